import type { Actor } from "./actor.js";
import {
  deleteVersion,
  removeAlias,
  setAlias,
  setCollection,
  updateVersion,
} from "./artifact-edits.js";
import { logArtifact, useArtifact } from "./artifact-log.js";
import {
  auditLog,
  diffVersions,
  fileUrls,
  getEntry,
  getVersion,
  listCollections,
  listVersions,
  manifestPage,
  storageReport,
} from "./artifact-queries.js";
import type {
  AuditInput,
  DeleteVersionInput,
  DiffInput,
  EntryInput,
  FileUrlsInput,
  ListCollectionsInput,
  ListVersionsInput,
  ManifestInput,
  RemoveAliasInput,
  SetAliasInput,
  SetCollectionInput,
  StorageInput,
  UpdateVersionInput,
} from "./artifact-query-inputs.js";
import { relogArtifact } from "./artifact-relog.js";
import { createBlobsService } from "./blobs-service.js";
import type { ServiceDeps } from "./deps.js";
import type { ArtifactSelectorInput, LogInput, UseInput } from "./inputs.js";
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

/** Artifact versions: log, use, get; listing, reading, editing, deleting, diffing, storage, audit. */
export function createArtifactsService(deps: ServiceDeps) {
  const blobs = createBlobsService(deps);
  return {
    log: (actor: Actor | null, input: LogInput) => logArtifact(deps, actor, input),
    relog: (actor: Actor | null, input: RelogInput) => relogArtifact(deps, actor, input),
    use: (actor: Actor | null, input: UseInput) => useArtifact(deps, actor, input),
    get: (actor: Actor | null, input: ArtifactSelectorInput) => getVersion(deps, actor, input),

    listCollections: (actor: Actor | null, input: ListCollectionsInput) =>
      listCollections(deps, actor, input),
    listVersions: (actor: Actor | null, input: ListVersionsInput) =>
      listVersions(deps, actor, input),
    manifest: (actor: Actor | null, input: ManifestInput) => manifestPage(deps, actor, input),
    entry: (actor: Actor | null, input: EntryInput) => getEntry(deps, actor, input),
    fileUrls: (actor: Actor | null, input: FileUrlsInput) =>
      fileUrls(deps, actor, input, blobs.downloadUrl),
    diff: (actor: Actor | null, input: DiffInput) => diffVersions(deps, actor, input),
    storage: (actor: Actor | null, input: StorageInput) => storageReport(deps, actor, input),
    audit: (actor: Actor | null, input: AuditInput) => auditLog(deps, actor, input),

    update: (actor: Actor | null, input: UpdateVersionInput) => updateVersion(deps, actor, input),
    setAlias: (actor: Actor | null, input: SetAliasInput) => setAlias(deps, actor, input),
    removeAlias: (actor: Actor | null, input: RemoveAliasInput) => removeAlias(deps, actor, input),
    delete: (actor: Actor | null, input: DeleteVersionInput) => deleteVersion(deps, actor, input),
    setCollection: (actor: Actor | null, input: SetCollectionInput) =>
      setCollection(deps, actor, input),
  };
}

export type ArtifactsService = ReturnType<typeof createArtifactsService>;
