import { CairnError } from "./errors.js";

/**
 * Default size limits of what a version carries besides its files, shared by the server (which
 * enforces them, configurable) and the client (which checks before sending). Each refusal names
 * the limit and the value, so a caller knows what to shrink.
 */
export const DEFAULT_LIMITS = {
  /** Canonical JSON of a version's metadata, in UTF-8 bytes. */
  metadataBytes: 1024 * 1024,
  /** A version's description, in UTF-8 bytes. */
  descriptionBytes: 64 * 1024,
  /** Tags on one version. */
  tagCount: 100,
  /** Request body of an anonymous caller (reads only need small bodies). */
  anonymousBodyBytes: 64 * 1024,
  /** Bytes of one `listVersions` page (metadata included) before it is cut short. */
  listPageBytes: 4 * 1024 * 1024,
} as const;

/** Limits as configured on a server. */
export type Limits = { -readonly [K in keyof typeof DEFAULT_LIMITS]: number };

const encoder = new TextEncoder();

/** UTF-8 length of a string. */
export function utf8Length(text: string): number {
  return encoder.encode(text).byteLength;
}

/**
 * Refuses (PAYLOAD_TOO_LARGE) version fields over `limits`: metadata (as JSON), description,
 * tag count. Undefined fields are not checked (an edit that leaves them alone).
 */
export function assertVersionFieldLimits(
  fields: {
    metadata?: unknown;
    description?: string | null | undefined;
    tags?: readonly unknown[] | undefined;
  },
  limits: Pick<Limits, "metadataBytes" | "descriptionBytes" | "tagCount"> = DEFAULT_LIMITS,
): void {
  if (fields.metadata !== undefined) {
    const bytes = utf8Length(JSON.stringify(fields.metadata) ?? "");
    if (bytes > limits.metadataBytes) {
      throw tooLarge(
        "metadata",
        bytes,
        limits.metadataBytes,
        "bytes of JSON",
        "CAIRN_MAX_METADATA_BYTES",
      );
    }
  }
  if (typeof fields.description === "string") {
    const bytes = utf8Length(fields.description);
    if (bytes > limits.descriptionBytes) {
      throw tooLarge(
        "description",
        bytes,
        limits.descriptionBytes,
        "bytes",
        "CAIRN_MAX_DESCRIPTION_BYTES",
      );
    }
  }
  if (fields.tags !== undefined && fields.tags.length > limits.tagCount) {
    throw tooLarge("tags", fields.tags.length, limits.tagCount, "tags", "CAIRN_MAX_TAGS");
  }
}

function tooLarge(
  field: string,
  value: number,
  limit: number,
  unit: string,
  setting: string,
): CairnError {
  return new CairnError(
    "PAYLOAD_TOO_LARGE",
    `The version's ${field} has ${value} ${unit}; the limit is ${limit} (${setting} on the server): store large data as a file in the artifact instead.`,
    { details: { field, value, limit } },
  );
}
