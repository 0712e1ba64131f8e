import type { VersionInfo } from "./version-info.js";

/**
 * Input of `artifacts.relog` (the router's zod schema parses it): the artifact and the version
 * digest the client computed locally from its entries.
 */
export interface RelogInput {
  entity: string;
  project: string;
  name: string;
  type: string;
  /** The version digest (64 lowercase hex). */
  digest: string;
  aliases?: string[] | undefined;
  tags?: string[] | undefined;
  runId?: string | undefined;
}

/** A hit (the existing version, aliases applied) or a miss (`version: null`: log in full). */
export type RelogResult = { version: VersionInfo; created: false } | { version: null };
