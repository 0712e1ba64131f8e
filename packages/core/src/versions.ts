import { CairnError } from "./errors.js";

/** A version digest: the lowercase hex SHA-256 of the canonical manifest document. */
const VERSION_DIGEST = /^[0-9a-f]{64}$/;

function assertVersionNumber(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new CairnError(
      "INVALID_INPUT",
      `${what} must be a non-negative integer (the N of "vN"), got ${String(value)}.`,
      { details: { value } },
    );
  }
}

/**
 * The number of the next version of an artifact: one more than the highest number ever used, or 0
 * for the first version. Pass the numbers of deleted versions too: a number is never reused, so
 * `name:v3` can never silently come to mean different contents.
 *
 * @throws CairnError INVALID_INPUT when a number is not a non-negative integer.
 */
export function nextVersionNumber(allNumbersEverUsed: Iterable<number>): number {
  let highest = -1;
  for (const n of allNumbersEverUsed) {
    assertVersionNumber(n, "A version number");
    if (n > highest) highest = n;
  }
  return highest + 1;
}

/** What logging some contents does: reuse the version that has them, or create version `number`. */
export type LogResolution<V> = { kind: "existing"; version: V } | { kind: "new"; number: number };

/** Input of {@link resolveLog}. */
export interface ResolveLogInput<V> {
  /** The artifact's live versions, keyed by version digest. */
  existingByDigest: ReadonlyMap<string, V>;
  /** Version digest of the contents being logged. */
  digest: string;
  /** Every version number this artifact ever used, deleted versions included. */
  allNumbersEverUsed: Iterable<number>;
}

/**
 * Decides what logging an artifact does. Identical contents (same version digest) make no new
 * version: the existing one is returned, and the caller applies the requested aliases (and
 * `latest`) to it. New contents get the next version number ({@link nextVersionNumber}).
 *
 * @throws CairnError INVALID_DIGEST when `digest` is not 64 lowercase hex characters.
 */
export function resolveLog<V>(input: ResolveLogInput<V>): LogResolution<V> {
  const { existingByDigest, digest, allNumbersEverUsed } = input;
  if (!VERSION_DIGEST.test(digest)) {
    throw new CairnError(
      "INVALID_DIGEST",
      `"${digest}" is not a version digest; expected 64 lowercase hex characters (the SHA-256 from computeVersionDigest).`,
      { details: { digest } },
    );
  }
  const version = existingByDigest.get(digest);
  if (version !== undefined) return { kind: "existing", version };
  return { kind: "new", number: nextVersionNumber(allNumbersEverUsed) };
}

/** Input of {@link assertSameType}. */
export interface AssertSameTypeInput {
  /** The artifact name being logged. */
  name: string;
  /** Type of the artifact already holding this name in the project; null/undefined when none. */
  existingType: string | null | undefined;
  /** Type the caller asked for. */
  requestedType: string;
}

/**
 * Inside one project a name belongs to one type: logging `cats` as a `model` when `cats` is a
 * `dataset` is refused. Types are compared exactly (they are free text).
 *
 * @throws CairnError NAME_TAKEN_BY_OTHER_TYPE naming the artifact, both types and the ways out.
 */
export function assertSameType(input: AssertSameTypeInput): void {
  const { name, existingType, requestedType } = input;
  if (existingType === null || existingType === undefined || existingType === requestedType) {
    return;
  }
  throw new CairnError(
    "NAME_TAKEN_BY_OTHER_TYPE",
    `Artifact "${name}" already exists in this project with type "${existingType}", so it cannot be logged with type "${requestedType}". Log it with type "${existingType}", or give the "${requestedType}" artifact another name.`,
    { details: { name, existingType, requestedType } },
  );
}
