import fc from "fast-check";

/** One HTTP request the fuzzer sends. `body` undefined = no body. */
export interface FuzzRequest {
  method: "GET" | "POST" | "PUT";
  path: string;
  auth: "admin" | "none" | "garbage";
  body?: string;
  /** Why this shape exists, for the failure message. */
  kind: string;
}

/** Names as users type them: valid ones, reserved words, traversal, unicode, control chars, huge. */
export const nameArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("admin", "default", "my-dataset", "latest", "v0", "v-1", "", " ", "..", "a/b"),
  fc.stringMatching(/^[a-z][a-z0-9._-]{0,20}$/),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.string({ minLength: 200, maxLength: 300 }),
);

/** Entry paths, including absolute, traversal, backslashes, NUL and very deep ones. */
export const pathArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("a.txt", "/etc/passwd", "../x", "a/../../b", "a\\b", "a//b", "a\u0000b", "."),
  fc.array(nameArb, { maxLength: 6 }).map((parts) => parts.join("/")),
  fc.string({ minLength: 1000, maxLength: 5000 }),
);

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);

/** Digests: well-formed (owned by nobody), the wrong length or case, or junk. */
export const digestArb: fc.Arbitrary<string> = fc.oneof(
  hex64,
  hex64.map((h) => h.toUpperCase()),
  fc.stringMatching(/^[0-9a-f]{1,63}$/),
  fc.string({ maxLength: 70 }),
);

/** References in every form the docs name, plus broken ones. */
export const refArb: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(nameArb, fc.constantFrom(":latest", ":v0", ":v999999999999", ":", "@", ""))
    .map(([n, s]) => `${n}${s}`),
  fc.tuple(nameArb, nameArb, nameArb).map(([e, p, n]) => `${e}/${p}/${n}:v0`),
  fc.tuple(nameArb, digestArb).map(([n, d]) => `${n}@${d}`),
  fc.string({ maxLength: 80 }),
);

const sizeArb = fc.oneof(
  fc.nat(),
  fc.integer({ min: -10, max: -1 }),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, 1e300, 0.5, Number.NaN),
);

const entryArb = fc.record(
  { path: pathArb, digest: digestArb, size: sizeArb, extra: fc.jsonValue({ maxDepth: 2 }) },
  { requiredKeys: [] },
);

/** Metadata: deep and odd JSON, keys that look like prototype pollution. */
export const metadataArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.dictionary(fc.constantFrom("__proto__", "constructor", "a.b", "$where", ""), fc.jsonValue()),
  fc.constant({ deep: JSON.parse(`${"[".repeat(500)}1${"]".repeat(500)}`) as unknown }),
);

/** Values for the keys procedures take; unknown keys get arbitrary JSON. */
const fieldArbs: Record<string, fc.Arbitrary<unknown>> = {
  entity: fc.oneof(fc.constant("admin"), nameArb),
  project: fc.oneof(fc.constant("default"), nameArb),
  name: nameArb,
  type: fc.oneof(fc.constantFrom("dataset", "model", "wandb-history"), nameArb),
  ref: refArb,
  path: pathArb,
  alias: nameArb,
  aliases: fc.array(nameArb, { maxLength: 5 }),
  tags: fc.array(nameArb, { maxLength: 5 }),
  metadata: metadataArb,
  description: fc.oneof(fc.string(), fc.string({ minLength: 10_000, maxLength: 20_000 })),
  entries: fc.array(entryArb, { maxLength: 20 }),
  blobs: fc.array(fc.record({ digest: digestArb, size: sizeArb }), { maxLength: 10 }),
  digests: fc.array(digestArb, { maxLength: 10 }),
  digest: digestArb,
  size: sizeArb,
  id: nameArb,
  runId: nameArb,
  distributedId: nameArb,
  draftId: nameArb,
  // Bounded: a valid long-poll on a real draft could otherwise hold a request for 25 s.
  waitMs: fc.oneof(fc.integer({ min: -5, max: 50 }), fc.constant(10_000_000)),
  ttl: fc.oneof(fc.constantFrom("inherit", "none", "30d", "1h", "-1d", "0s"), fc.string()),
  defaultTtl: fc.oneof(fc.constantFrom("none", "7d"), fc.string()),
  visibility: fc.oneof(fc.constantFrom("private", "public", "open"), fc.string()),
  limit: fc.oneof(fc.integer({ min: -5, max: 20_000 }), fc.double()),
  cursor: fc.string(),
  after: pathArb,
  a: refArb,
  b: refArb,
  user: nameArb,
  team: nameArb,
  role: fc.constantFrom("member", "admin", "owner", ""),
  label: fc.string(),
  resume: fc.constantFrom("never", "allow", "must", "sometimes"),
  jobType: nameArb,
  config: metadataArb,
  summary: metadataArb,
  state: fc.constantFrom("finished", "failed", "running"),
  direction: fc.constantFrom("upstream", "downstream", "both", "sideways"),
  root: fc.oneof(
    fc.record({ kind: fc.constant("version"), ref: refArb }),
    fc.record({ kind: fc.constant("run"), id: nameArb }),
    fc.jsonValue(),
  ),
  multipart: fc.record({
    uploadId: fc.string(),
    parts: fc.array(fc.record({ partNumber: fc.integer(), etag: fc.string() }), { maxLength: 3 }),
  }),
  deleteAliases: fc.boolean(),
};

const keyArb = fc.constantFrom(...Object.keys(fieldArbs), "unknownKey");

/** A procedure input: an object of known keys with hostile values, or any JSON at all. */
export const inputArb: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .uniqueArray(keyArb, { maxLength: 8 })
      .chain((keys) =>
        fc
          .tuple(...keys.map((k) => fieldArbs[k] ?? fc.jsonValue()))
          .map((values) => Object.fromEntries(keys.map((k, i) => [k, values[i]]))),
      ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** Every request shape: procedure calls, wrong methods, raw junk bodies, byte routes, unknown paths. */
export function requestArb(queries: string[], mutations: string[]): fc.Arbitrary<FuzzRequest> {
  const auth = fc.constantFrom<FuzzRequest["auth"]>("admin", "admin", "none", "garbage");
  const json = (v: unknown) => JSON.stringify(v) ?? "null";
  return fc.oneof(
    {
      weight: 8,
      arbitrary: fc.record({ p: fc.constantFrom(...queries), input: inputArb, auth }).map(
        ({ p, input, auth }): FuzzRequest => ({
          kind: "query",
          method: "GET",
          path: `/trpc/${p}?input=${encodeURIComponent(json(input))}`,
          auth,
        }),
      ),
    },
    {
      weight: 10,
      arbitrary: fc.record({ p: fc.constantFrom(...mutations), input: inputArb, auth }).map(
        ({ p, input, auth }): FuzzRequest => ({
          kind: "mutation",
          method: "POST",
          path: `/trpc/${p}`,
          body: json(input),
          auth,
        }),
      ),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({
          p: fc.constantFrom(...queries, ...mutations),
          body: fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constant('{"a":')),
          method: fc.constantFrom<FuzzRequest["method"]>("GET", "POST", "PUT"),
          auth,
        })
        .map(
          ({ p, body, method, auth }): FuzzRequest => ({
            kind: "malformed",
            method,
            path:
              method === "GET"
                ? `/trpc/${p}?input=${encodeURIComponent(body)}`
                : `/trpc/${p}?batch=${body.length % 2}`,
            ...(method === "GET" ? {} : { body }),
            auth,
          }),
        ),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({
          digest: digestArb,
          token: fc.oneof(fc.string(), fc.base64String(), fc.constant("eyJ9.x")),
          method: fc.constantFrom<FuzzRequest["method"]>("GET", "PUT"),
          body: fc.string({ maxLength: 100 }),
          auth,
        })
        .map(
          ({ digest, token, method, body, auth }): FuzzRequest => ({
            kind: "byte-route",
            method,
            path: `/blobs/${encodeURIComponent(digest)}?t=${encodeURIComponent(token)}`,
            ...(method === "PUT" ? { body } : {}),
            auth,
          }),
        ),
    },
    {
      weight: 1,
      arbitrary: fc.record({ p: fc.string({ maxLength: 30 }), auth }).map(
        ({ p, auth }): FuzzRequest => ({
          kind: "unknown-procedure",
          method: "POST",
          path: `/trpc/${encodeURIComponent(p)}x`,
          body: "{}",
          auth,
        }),
      ),
    },
  );
}

/** Manifests of 10,000–30,000 entries in one call (a few MB): big, but under the body limit. */
export function hugeRequestArb(mutations: string[]): fc.Arbitrary<FuzzRequest> {
  const auth = fc.constantFrom<FuzzRequest["auth"]>("admin", "none");
  return fc
    .record({ p: fc.constantFrom(...mutations), n: fc.integer({ min: 1, max: 3 }), auth })
    .map(
      ({ p, n, auth }): FuzzRequest => ({
        kind: "huge",
        method: "POST",
        path: `/trpc/${p}`,
        body: JSON.stringify({
          entity: "admin",
          project: "default",
          name: "huge",
          type: "dataset",
          distributedId: "huge",
          entries: Array.from({ length: n * 10_000 }, (_, i) => ({
            path: `dir/file-${i}.bin`,
            digest: "0".repeat(64),
            size: i,
          })),
        }),
        auth,
      }),
    );
}
