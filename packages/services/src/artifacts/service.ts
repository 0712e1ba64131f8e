import type { Actor } from "../actor.js";
import { createBlobsService } from "../blobs/service.js";
import type { ServiceDeps } from "../deps.js";
import type { ArtifactSelectorInput } from "../inputs.js";
import { deleteVersion, removeAlias, setAlias, setCollection, updateVersion } from "./edits.js";
import type {
  AuditInput,
  DeleteVersionInput,
  DiffInput,
  EntryInput,
  FileUrlsInput,
  ListCollectionsInput,
  ListVersionsInput,
  LogInput,
  ManifestInput,
  RemoveAliasInput,
  SetAliasInput,
  SetCollectionInput,
  StorageInput,
  UpdateVersionInput,
  UseInput,
} from "./inputs.js";
import { logArtifact, useArtifact } from "./log.js";
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
} from "./queries.js";
import { relogArtifact } from "./relog.js";
// Declared in their own file (re-exported here and by the package index, so `AppRouter`'s
// declaration can name them: TS2742) to keep relog.ts free of a cycle with this file.
import type { RelogInput, RelogResult } from "./relog-types.js";

export type { RelogInput, RelogResult };

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
