import { randomUUID } from "node:crypto";
import {
  CairnError,
  type CairnErrorCode,
  computeVersionDigest,
  isCairnError,
  isErrorCode,
  MAX_DRAFT_WAIT_MS,
  MAX_ENTRIES_PER_REQUEST,
  type ManifestEntry,
} from "@cairn/core";
import { nodeSha256 } from "../hashing/node-sha256.js";
import { chunk } from "../transfer/pool.js";
import type { ProjectRef, VersionInfo } from "../transport/router-types.js";
import type { ClientContext } from "./context.js";
import { wireJson } from "./wire-json.js";

/** `artifacts.log` and `artifacts.upsert` take at most this many entries per request. */
export const ENTRIES_PER_REQUEST = MAX_ENTRIES_PER_REQUEST;
/** Longest `draftStatus` long-poll the server allows (ms). */
export const DRAFT_WAIT_MS = MAX_DRAFT_WAIT_MS;

/** Version fields a commit sets besides its entries. */
export interface CommitFields {
  name: string;
  type: string;
  description?: string | null | undefined;
  metadata?: Record<string, unknown> | undefined;
  aliases?: string[] | undefined;
  tags?: string[] | undefined;
  ttl?: string | undefined;
  runId?: string | undefined;
}

function defined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Commits a version. Up to 10,000 entries go in one `artifacts.log`; bigger manifests are sent as
 * `artifacts.upsert` pages under a private random distributedId (no other writer can join it),
 * then `artifacts.finish`, and the version is awaited with `draftStatus`.
 */
export async function commitVersion(
  ctx: ClientContext,
  project: ProjectRef,
  fields: CommitFields,
  entries: ManifestEntry[],
): Promise<{ version: VersionInfo; created: boolean }> {
  if (entries.length <= ENTRIES_PER_REQUEST) {
    return ctx.call((t) =>
      t.artifacts.log.mutate(
        defined({
          ...project,
          ...fields,
          metadata: fields.metadata && wireJson(fields.metadata, "metadata"),
          entries,
        }),
      ),
    );
  }
  const distributedId = `_log-${randomUUID()}`;
  for (const page of chunk(entries, ENTRIES_PER_REQUEST)) {
    await upsertPage(ctx, project, { ...fields, distributedId }, page);
  }
  const { draftId } = await finishDraft(ctx, project, { ...fields, distributedId });
  return { version: await waitForDraft(ctx, draftId), created: true };
}

/** The version digest of `entries`, computed locally the way the server does (node:crypto). */
export function localVersionDigest(entries: Iterable<ManifestEntry>): string {
  return computeVersionDigest(entries, nodeSha256);
}

/**
 * Whether a committed version of artifact `name` (of `type`) has exactly `digest` — a read with no
 * side effects, so it may run before the log's turn in the commit order. When true, the log can
 * skip `blobs.missing` and uploads and go through {@link relogVersion}.
 */
export async function hasVersionWithDigest(
  ctx: ClientContext,
  project: ProjectRef,
  name: string,
  type: string,
  digest: string,
): Promise<boolean> {
  try {
    const version = await ctx.call((t) =>
      t.artifacts.get.query({ ...project, ref: `${name}:${digest}` }),
    );
    return version.digest === digest && version.type === type;
  } catch (error) {
    // Not logged yet (no artifact or no such version): the full path creates it.
    if (isCairnError(error, "NOT_FOUND")) return false;
    throw error;
  }
}

/**
 * The unchanged re-log fast path (`artifacts.relog`): points `latest` and the aliases at the
 * committed version with `digest` and records the run, without sending entries. Null when the
 * server has no such version (e.g. deleted since {@link hasVersionWithDigest}): log in full then.
 */
export async function relogVersion(
  ctx: ClientContext,
  project: ProjectRef,
  fields: CommitFields,
  digest: string,
): Promise<VersionInfo | null> {
  const answer = await ctx.call((t) =>
    t.artifacts.relog.mutate(
      defined({
        ...project,
        name: fields.name,
        type: fields.type,
        digest,
        aliases: fields.aliases,
        tags: fields.tags,
        runId: fields.runId,
      }),
    ),
  );
  return answer.version;
}

/** Sends one page of entries to a distributed draft. */
export function upsertPage(
  ctx: ClientContext,
  project: ProjectRef,
  fields: { name: string; type: string; distributedId: string; runId?: string | undefined },
  entries: ManifestEntry[],
): Promise<{ draftId: string; seq: number }> {
  return ctx.call((t) =>
    t.artifacts.upsert.mutate(
      defined({
        ...project,
        name: fields.name,
        type: fields.type,
        distributedId: fields.distributedId,
        runId: fields.runId,
        entries,
      }),
    ),
  );
}

/** Closes a distributed draft and queues its commit. */
export function finishDraft(
  ctx: ClientContext,
  project: ProjectRef,
  fields: CommitFields & { distributedId: string },
): Promise<{ draftId: string }> {
  return ctx.call((t) =>
    t.artifacts.finish.mutate(
      defined({
        ...project,
        ...fields,
        metadata: fields.metadata && wireJson(fields.metadata, "metadata"),
      }),
    ),
  );
}

/**
 * Long-polls `draftStatus` until the draft is committed (returns the version) or failed (throws
 * the server's error with its code).
 */
export async function waitForDraft(ctx: ClientContext, draftId: string): Promise<VersionInfo> {
  for (;;) {
    const status = await ctx.call((t) =>
      t.artifacts.draftStatus.query({ draftId, waitMs: DRAFT_WAIT_MS }),
    );
    if (status.status === "finished" && status.version) return status.version;
    if (status.status === "failed") {
      const raw = (status as { errorCode?: string }).errorCode;
      const code: CairnErrorCode = isErrorCode(raw) ? raw : "CONFLICT";
      throw new CairnError(code, status.error ?? `Draft ${draftId} failed to commit.`, {
        details: { draftId },
      });
    }
  }
}
