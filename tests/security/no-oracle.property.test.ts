import { randomBytes } from "node:crypto";
import { describeWithServices } from "@cairn/vitest-config/services";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256, startWorld, type Tenant, type World } from "./harness.js";

/**
 * The no-oracle property: whatever bob does, he observes the same transcript — statuses, bodies,
 * sizes — whether or not alice stores content X in a private project. Two servers run side by
 * side with the same tenants; in one alice stored X, in the other an unrelated file of X's size.
 * Bob knows X's digest and size, and uploads files of his own.
 */
const BIG = 64 * 1024 * 1024 + 1;
/**
 * What alice stores, per store: a small file on the directory store; on the bucket store a file
 * above the pack threshold, which bob's missing-checks plan as presigned uploads to the bucket.
 */
const LARGE = 5 * 1024 * 1024;
const secrets = {
  fs: { x: randomBytes(37), other: randomBytes(37) },
  s3: { x: randomBytes(LARGE), other: randomBytes(LARGE) },
};
const X_SIZE = { fs: 37, s3: LARGE };
// Bob's own files. Not X: an attacker holding X's bytes has nothing to steal, and his upload
// would store X in the second world too, equalising the worlds for every later sequence.
const contents = [randomBytes(37), randomBytes(5)];

type Store = "fs" | "s3";
const digestsOf = (store: Store) => [
  sha256(secrets[store].x),
  sha256(randomBytes(X_SIZE[store])),
  sha256(randomBytes(5)),
];
const DIGESTS = { fs: digestsOf("fs"), s3: digestsOf("s3") };

type Op =
  | { op: "missing"; project: "mine" | "open"; d: number; big: boolean }
  | { op: "complete"; project: "mine" | "open"; d: number; big: boolean; multipart: boolean }
  | { op: "log"; project: "mine" | "open"; d: number; size: number }
  | { op: "upload"; project: "mine" | "open"; c: number }
  | { op: "list" };

const project = fc.constantFrom("mine" as const, "open" as const);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("missing" as const), project, d: fc.nat(2), big: fc.boolean() }),
  fc.record({
    op: fc.constant("complete" as const),
    project,
    d: fc.nat(2),
    big: fc.boolean(),
    multipart: fc.boolean(),
  }),
  fc.record({
    op: fc.constant("log" as const),
    project,
    d: fc.nat(2),
    size: fc.constantFrom(1, 5, 37, LARGE, BIG),
  }),
  fc.record({ op: fc.constant("upload" as const), project, c: fc.nat(1) }),
  fc.record({ op: fc.constant("list" as const) }),
);

/**
 * What may differ between two servers without telling anything: tokens, ids, clocks, ports, and a
 * bucket's presigned signatures and multipart upload ids.
 */
function normalize(text: string, w: World): string {
  const location = w.server.blobLocation;
  return text
    .replaceAll(w.server.baseUrl, "<server>")
    .replaceAll(location.kind === "s3" ? location.endpoint : "<server>", "<bucket>")
    .replace(/(X-Amz-(Signature|Date|Credential))=[^&"]+/g, "$1=<signed>")
    .replace(/uploadId=[0-9a-f]{32}/g, "uploadId=<id>")
    .replace(/(\.)[0-9a-f]{32}"/g, '$1<id>"')
    .replace(/t=[A-Za-z0-9._%-]+/g, "t=<token>")
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>");
}

async function step(
  w: World,
  bob: Tenant,
  op: Op,
  run: number,
  index: number,
  store: Store,
): Promise<string> {
  const digests = DIGESTS[store];
  const size = X_SIZE[store];
  const where = (p: "mine" | "open") =>
    p === "mine"
      ? { entity: bob.name, project: "mine" }
      : { entity: w.alice.name, project: "open" };
  let answer: { status: number; text: string };
  switch (op.op) {
    case "missing":
      answer = await w.call(bob, "blobs.missing", {
        ...where(op.project),
        blobs: [{ digest: digests[op.d]!, size: op.big ? BIG : size }],
      });
      break;
    case "complete":
      answer = await w.call(bob, "blobs.complete", {
        ...where(op.project),
        digest: digests[op.d]!,
        size: op.big ? BIG : size,
        ...(op.multipart
          ? {
              multipart: {
                uploadId: "0b9a3c1e-0000-4000-8000-000000000001",
                parts: [{ partNumber: 1, etag: '"e"' }],
              },
            }
          : {}),
      });
      break;
    case "log":
      answer = await w.call(bob, "artifacts.log", {
        ...where(op.project),
        name: `p${run}-${index}`,
        type: "dataset",
        entries: [{ path: "f.bin", digest: digests[op.d]!, size: op.size }],
      });
      break;
    case "upload": {
      const bytes = contents[op.c]!;
      const plan = await w.call(bob, "blobs.missing", {
        ...where(op.project),
        blobs: [{ digest: sha256(bytes), size: bytes.length }],
      });
      const parts = [plan.status, normalize(plan.text, w)];
      const target = (
        plan as { json?: { result?: { data?: { missing?: Array<{ upload: { url: string } }> } } } }
      ).json?.result?.data?.missing?.[0];
      if (target) {
        const put = await fetch(target.upload.url, { method: "PUT", body: bytes });
        parts.push(put.status, normalize(await put.text(), w));
      }
      return JSON.stringify(parts);
    }
    case "list":
      answer = await w.call(
        bob,
        "artifacts.listCollections",
        { entity: bob.name, project: "mine" },
        "query",
      );
      break;
  }
  return JSON.stringify([answer.status, answer.text.length, normalize(answer.text, w)]);
}

async function suite(engine: "pglite" | "postgres", store: Store) {
  let withX: World;
  let withoutX: World;
  beforeAll(async () => {
    const names = { alice: `alice-p-${engine}-${store}`, bob: `bob-p-${engine}-${store}` };
    const options = store === "s3" ? { db: engine, blobs: store, packs: true } : { db: engine };
    [withX, withoutX] = await Promise.all([startWorld(options, names), startWorld(options, names)]);
    for (const [w, bytes] of [
      [withX, secrets[store].x],
      [withoutX, secrets[store].other],
    ] as const) {
      const entry = await w.upload(w.alice, w.alice.name, "private", bytes);
      await w.ok(w.alice, "artifacts.log", {
        entity: w.alice.name,
        project: "private",
        name: "secret",
        type: "dataset",
        entries: [entry],
      });
    }
  });
  afterAll(async () => {
    await Promise.all([withX?.close(), withoutX?.close()]);
  });

  it("random call sequences by bob give the same transcript whether or not alice stores X", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 6 }), async (ops) => {
        run += 1;
        // A fresh bob per sequence: once he uploads X he holds it, which would hide the oracle
        // from every later sequence.
        const name = `bob-${engine}-${store}-${run}`;
        const [bobA, bobB] = await Promise.all([withX.newTenant(name), withoutX.newTenant(name)]);
        for (const [index, op] of ops.entries()) {
          const a = await step(withX, bobA, op, run, index, store);
          const b = await step(withoutX, bobB, op, run, index, store);
          expect(a, `op ${index} ${JSON.stringify(op)}`).toBe(b);
        }
      }),
      {
        numRuns: Number(process.env.CAIRN_SECURITY_RUNS ?? (store === "s3" ? 15 : 25)),
        seed: Number(process.env.CAIRN_SECURITY_SEED ?? 1414),
      },
    );
  });
}

describe("security: no oracle, as a property [pglite]", () => suite("pglite", "fs"));
await describeWithServices(["postgres"], "security: no oracle, as a property [postgres]", () =>
  suite("postgres", "fs"),
);
// The bucket store: alice's X is large, so bob's plans for it are presigned bucket uploads.
describe("security: no oracle, as a property [pglite × s3]", () => suite("pglite", "s3"));
