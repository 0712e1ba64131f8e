import { z } from "zod";

/**
 * The wire contract's shared limits and shapes, defined once and imported by the server (its input
 * schemas) and the client (its batch sizes), so neither side can drift from the other. Changing a
 * value here changes the API: the client then batches to the new limit on its own.
 */

/** Most manifest entries one request may carry (`artifacts.log`, `artifacts.upsert`, `blobs.missing`). */
export const MAX_ENTRIES_PER_REQUEST = 10_000;

/** Largest manifest page the server returns (the client asks for exactly this). */
export const MAX_MANIFEST_PAGE = 10_000;

/**
 * Longest long-poll of `artifacts.draftStatus` in ms: under common 30 s proxy/load-balancer idle
 * timeouts.
 */
export const MAX_DRAFT_WAIT_MS = 25_000;

/** Largest page of collection/version listings, runs and the audit log. */
export const MAX_LIST_PAGE = 1000;

/** Longest free-text description of a version or project. */
export const MAX_DESCRIPTION_LENGTH = 10_000;

/** A SHA-256 digest as the API spells it: 64 lowercase hex characters. */
export const DIGEST_PATTERN = /^[0-9a-f]{64}$/;

/** A SHA-256 digest on the wire, with a message that says the expected form. */
export const digestSchema = z
  .string()
  .regex(DIGEST_PATTERN, "a digest is 64 lowercase hex characters (SHA-256)");

/** A JSON object (metadata, run config and summary): string keys, any JSON values. */
export const jsonObject = z.record(z.string(), z.json());

/** A JSON object as the API accepts it (see {@link jsonObject}). */
export type JsonObject = z.infer<typeof jsonObject>;
