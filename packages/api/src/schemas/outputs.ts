import { z } from "zod";
import {
  bundleTarget,
  collectionSummary,
  manifestEntry,
  nextCursor,
  projectInfo,
  runInfo,
  timestamp,
  versionInfo,
} from "./common.js";

/** Output schemas of `accounts.*`. */
const userListing = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: timestamp,
  disabledAt: timestamp.nullable().describe("When a site admin disabled the user"),
});

export const accountsOutputs = {
  whoami: z.object({
    user: z.object({ id: z.string(), name: z.string() }),
    isSiteAdmin: z.boolean(),
    entities: z.array(
      z.object({
        name: z.string(),
        kind: z.enum(["user", "team"]),
        role: z.enum(["member", "admin"]),
      }),
    ),
  }),
  createUser: z.object({
    user: z.object({ id: z.string(), name: z.string() }),
    apiKey: z.string().describe("The new user's API key, shown once"),
  }),
  listUsers: z.array(userListing),
  setUserDisabled: userListing,
  listTeams: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      role: z.enum(["member", "admin"]).nullable().describe("null: a site admin's view of a team"),
      members: z.number().int(),
      createdAt: timestamp,
    }),
  ),
  createTeam: z.object({
    id: z.string(),
    name: z.string(),
    kind: z.literal("team"),
    role: z.literal("admin"),
    createdAt: timestamp,
  }),
  setMember: z.object({ team: z.string(), user: z.string(), role: z.enum(["member", "admin"]) }),
  removeMember: z.object({ team: z.string(), user: z.string(), removed: z.literal(true) }),
  listMembers: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      role: z.enum(["member", "admin"]),
      since: timestamp,
    }),
  ),
  createApiKey: z.object({
    id: z.string(),
    key: z.string().describe("The full key, shown once"),
    label: z.string().nullable(),
  }),
  listApiKeys: z.array(
    z.object({
      id: z.string(),
      keyId: z.string(),
      label: z.string().nullable(),
      createdAt: timestamp,
      lastUsedAt: timestamp.nullable(),
      revokedAt: timestamp.nullable(),
    }),
  ),
  revokeApiKey: z.object({ id: z.string(), revokedAt: timestamp }),
};

/** Output schemas of `projects.*`. */
export const projectsOutputs = { project: projectInfo, list: z.array(projectInfo) };

/** Output schemas of `runs.*`. */
export const runsOutputs = {
  run: runInfo,
  list: z.object({ runs: z.array(runInfo), nextCursor }),
};

const uploadTarget = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("put"),
    url: z.string(),
    headers: z.record(z.string(), z.string()),
    complete: z.boolean(),
    uploadId: z.string().optional(),
  }),
  z.object({
    kind: z.literal("multipart"),
    uploadId: z.string(),
    partSize: z.number().int(),
    parts: z.array(z.object({ partNumber: z.number().int(), url: z.string(), size: z.number() })),
  }),
]);

/** Output schemas of `blobs.*`. */
export const blobsOutputs = {
  missing: z.object({
    missing: z.array(z.object({ digest: z.string(), size: z.number(), upload: uploadTarget })),
    bundle: bundleTarget.nullable(),
  }),
  complete: z.object({ ok: z.literal(true) }),
};

const versionRef = z.object({ id: z.string(), version: z.string(), digest: z.string() });
const fileUrls = z.object({
  urls: z.array(
    z.object({ digest: z.string(), url: z.string(), headers: z.record(z.string(), z.string()) }),
  ),
  bundle: bundleTarget.nullable(),
});

/** Output schemas of `artifacts.*`. */
export const artifactsOutputs = {
  version: versionInfo,
  log: z.object({ version: versionInfo, created: z.boolean() }),
  relog: z.union([
    z.object({ version: versionInfo, created: z.literal(false) }),
    z.object({ version: z.null() }),
  ]),
  upsert: z.object({ draftId: z.string(), seq: z.number().int() }),
  finish: z.object({ draftId: z.string() }),
  draftStatus: z.object({
    draftId: z.string(),
    status: z.enum(["open", "finishing", "finished", "failed"]),
    version: versionInfo.optional(),
    error: z.string().optional(),
    errorCode: z.string().optional(),
    pendingUpserts: z.number().int(),
  }),
  removeAlias: z.object({ alias: z.string(), removedFrom: z.string().nullable() }),
  collection: collectionSummary,
  listCollections: z.object({ collections: z.array(collectionSummary), nextCursor }),
  listVersions: z.object({ versions: z.array(versionInfo), nextCursor }),
  manifest: z.object({ entries: z.array(manifestEntry), nextCursor }),
  entry: manifestEntry,
  fileUrls,
  diff: z.object({
    a: versionRef,
    b: versionRef,
    added: z.array(manifestEntry),
    removed: z.array(manifestEntry),
    changed: z.array(z.object({ path: z.string(), before: manifestEntry, after: manifestEntry })),
    totals: z.object({
      added: z.number().int(),
      removed: z.number().int(),
      changed: z.number().int(),
      addedBytes: z.number(),
      removedBytes: z.number(),
    }),
    truncated: z.boolean(),
  }),
  storage: z.object({
    logicalBytes: z.number(),
    uniqueBytes: z.number(),
    versions: z.number().int(),
    files: z.number().int(),
    uniqueFiles: z.number().int(),
  }),
  audit: z.array(
    z.object({
      at: timestamp,
      actor: z.string().nullable(),
      action: z.string(),
      name: z.string().nullable(),
      alias: z.string().nullable(),
      fromVersion: z.string().nullable(),
      toVersion: z.string().nullable(),
    }),
  ),
};

const graphNode = z.discriminatedUnion("kind", [
  z.object({
    id: z.string(),
    kind: z.literal("version"),
    label: z.string(),
    type: z.string(),
    info: versionInfo,
  }),
  z.object({
    id: z.string(),
    kind: z.literal("run"),
    label: z.string(),
    jobType: z.string().nullable(),
    info: runInfo,
  }),
]);
const edgeKind = z.enum(["logged", "used"]);

/** Output schemas of `lineage.*`. */
export const lineageOutputs = {
  loggedBy: runInfo.nullable(),
  runs: z.array(runInfo),
  versions: z.array(versionInfo),
  graph: z.object({
    nodes: z.array(graphNode),
    edges: z.array(z.object({ from: z.string(), to: z.string(), kind: edgeKind })),
    truncated: z.boolean(),
    frontier: z.array(z.object({ id: z.string(), direction: z.enum(["upstream", "downstream"]) })),
    beyondDepth: z
      .array(z.object({ id: z.string(), direction: z.enum(["upstream", "downstream"]) }))
      .describe("Last-level nodes with neighbours beyond the depth limit"),
    hidden: z.number().int(),
    collapsed: z
      .object({
        nodes: z
          .array(
            z.object({
              key: z.string(),
              kind: z.enum(["collection", "jobType"]),
              label: z.string(),
              memberIds: z.array(z.string()).readonly(),
            }),
          )
          .readonly(),
        edges: z
          .array(
            z.object({ kind: edgeKind, from: z.string(), to: z.string(), count: z.number().int() }),
          )
          .readonly(),
        truncated: z.boolean(),
      })
      .optional(),
  }),
};

/** Output of `health.ping`. */
export const healthOutputs = { ping: z.object({ ok: z.literal(true), version: z.string() }) };

const count = z.number().int().nonnegative();

/** Output schemas of `admin.*`. */
export const adminOutputs = {
  repack: z.object({
    blobsMoved: count.describe("Loose blobs moved into packs (their own file or object deleted)"),
    bytesMoved: count.describe("Plaintext bytes of those blobs"),
    packsWritten: count.describe("Packs the moved blobs were appended to"),
    corrupt: count.describe("Loose blobs whose bytes do not match their digest, left in place"),
    done: z.boolean().describe("No small loose blob is left; false: call again"),
    compaction: z
      .object({
        packsRewritten: count,
        packsDeleted: count,
        recordsMoved: count,
        packsSealed: count,
        orphansDeleted: count,
        corruptRecords: count,
        bytesBefore: count.describe("Exact total length of all packs before compaction"),
        bytesAfter: count.describe("Exact total length of all packs after compaction"),
      })
      .nullable(),
  }),
};
