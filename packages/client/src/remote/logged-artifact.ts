import { readdir, stat } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { CairnError, type ExtraValue, type ManifestEntry, normalizeEntryPath } from "@cairn/core";
import { Artifact } from "../artifact/artifact.js";
import type { ArtifactManifest } from "../artifact/manifest-view.js";
import type { ProgressListener } from "../progress.js";
import { type DownloadStats, downloadEntries, type VersionSelector } from "../transfer/download.js";
import { downloadPages } from "../transfer/download-pages.js";
import {
  type EntryFilter,
  entryMatcher,
  isPartial,
  serverPrefixOf,
} from "../transfer/entry-filter.js";
import { assertSafeEntryPaths, destinationOf } from "../transfer/safe-paths.js";
import type { RouterOutputs, VersionInfo } from "../transport/router-types.js";
import type { ClientContext } from "./context.js";
// Type only: runs are made by the context (`ctx.runOf`), so this file never loads run.ts.
import type { Run } from "./run.js";
import { fetchManifest, manifestPages, readEntryBytes } from "./version-reads.js";
import { wireJson } from "./wire-json.js";

/** Options of `artifact.download()`; `prefix`, `include`, `exclude` fetch only matching entries. */
export interface DownloadOptions extends EntryFilter {
  /** Directory to place the files in. Default `./artifacts/<name>-<vN>`. */
  root?: string;
  /** Do not keep the fetched files in the local blob cache. */
  skipCache?: boolean;
  onProgress?: ProgressListener;
}

/** One problem `verify()` found. */
export interface VerifyProblem {
  path: string;
  problem: "missing" | "changed" | "extra" | "reference-drifted";
  detail?: string;
}

/** The result of `verify()`. */
export interface VerifyReport {
  ok: boolean;
  problems: VerifyProblem[];
}

/** The server's description of a run in lineage answers (`loggedBy().info`, `usedBy()[i].info`). */
export type LineageRun = NonNullable<RouterOutputs["lineage"]["loggedBy"]>;

/** One entry of a logged version, from `artifact.getPath(path)`. */
export interface LoggedEntry {
  path: string;
  digest: string;
  size: number | null;
  extra: Record<string, ExtraValue> | undefined;
  /** True for an external reference (`addReference`). */
  isReference: boolean;
  /** The URI of a reference entry; INVALID_INPUT for a stored file. */
  ref(): string;
  /** Downloads just this entry below `root` (default the artifact's default root); returns the file path. */
  download(options?: { root?: string; skipCache?: boolean }): Promise<string>;
}

/**
 * A version logged to (or fetched from) a Cairn server: read-only contents, downloadable; its
 * description, metadata, aliases, tags and TTL can be edited and saved.
 */
export class LoggedArtifact extends Artifact {
  /** The server's description of the version (refreshed by `save()`). */
  info: VersionInfo;
  /** Aliases of the version; edit the array, then `save()`. */
  aliases: string[];
  /** Tags of the version; edit, then `save()`. */
  tags: string[];
  /** TTL (`30d`, `none`, `inherit`); edit, then `save()`. */
  ttl: string;
  /** Stats of the last `download()`. */
  lastDownload: DownloadStats | undefined;
  readonly #ctx: ClientContext;
  /** False until the entry list is fetched (`api.artifact(ref, { manifest: false })`). */
  #manifestLoaded: boolean;

  /** @internal `entries: null` defers fetching the manifest (see `loadManifest()`). */
  constructor(ctx: ClientContext, info: VersionInfo, entries: ManifestEntry[] | null) {
    super({
      name: info.name,
      type: info.type,
      description: info.description,
      metadata: info.metadata as Record<string, unknown>,
    });
    this.#ctx = ctx;
    this.info = info;
    this.aliases = [...info.aliases];
    this.tags = [...info.tags];
    this.ttl = info.ttl;
    this.#manifestLoaded = entries !== null;
    this.#attach(entries ?? []);
  }

  #attach(entries: ManifestEntry[]): void {
    this.attachVersion(
      { ...this.info, metadata: this.info.metadata as Record<string, unknown>, entries },
      (entry) => readEntryBytes(this.#ctx, this.#selector(), entry),
    );
  }

  /** The entry list and `get(path)`; after `loadManifest()` when fetched with `manifest: false`. */
  override get manifest(): ArtifactManifest {
    if (!this.#manifestLoaded) {
      throw new CairnError(
        "INVALID_INPUT",
        `The manifest of ${this.qualifiedName} was not fetched (api.artifact(ref, { manifest: false })): await artifact.loadManifest() first.`,
      );
    }
    return super.manifest;
  }

  /** Fetches the entry list if it was deferred (one request per 10,000 entries); returns it. */
  async loadManifest(): Promise<ArtifactManifest> {
    if (!this.#manifestLoaded) {
      this.#attach(await fetchManifest(this.#ctx, this.#selector()));
      this.#manifestLoaded = true;
    }
    return this.manifest;
  }

  /** `v3`. */
  override get version(): string {
    return this.info.version;
  }

  /** The version's id on the server. */
  get id(): string {
    return this.info.id;
  }
  get entity(): string {
    return this.info.entity;
  }
  get project(): string {
    return this.info.project;
  }
  /** The version digest (identical contents → identical digest). */
  get digest(): string {
    return this.info.digest;
  }
  /** `entity/project/name:vN`, a reference that always means this version. */
  get qualifiedName(): string {
    return `${this.info.entity}/${this.info.project}/${this.info.name}:${this.info.version}`;
  }

  /**
   * Downloads the files into `root` (default `./artifacts/<name>-<vN>`) and returns the directory.
   * Files already there are kept, cached blobs are linked, only the rest is fetched. With
   * `prefix`, `include` or `exclude` only matching entries come down (`include: ["images/**\/*.png"]`),
   * and a version fetched with `manifest: false` asks the server only for the matching pages.
   */
  async download(options: DownloadOptions = {}): Promise<string> {
    const root = resolve(options.root ?? this.#defaultRoot());
    const matches = entryMatcher(options);
    const transfer = { skipCache: options.skipCache, onProgress: options.onProgress };
    const partial = isPartial(options);
    if (!this.#manifestLoaded) {
      // The entry list comes in pages; each page downloads while the next is fetched. Only the
      // matching part is asked of the server (by prefix) for a partial download.
      const pages = manifestPages(
        this.#ctx,
        this.#selector(),
        partial ? { prefix: serverPrefixOf(options) } : {},
      );
      const done = await downloadPages(
        this.#ctx,
        this.#selector(),
        partial ? filterPages(pages, matches) : pages,
        root,
        transfer,
      );
      if (!partial) {
        this.#attach(done.entries);
        this.#manifestLoaded = true;
      }
      this.lastDownload = done.stats;
      return root;
    }
    const all = this.manifest.entries;
    const entries = partial ? all.filter((e) => matches(e.path)) : all;
    this.lastDownload = await downloadEntries(this.#ctx, this.#selector(), entries, root, transfer);
    return root;
  }

  /** The entry at `path` (exact), with `download()` and `ref()`. NOT_FOUND naming the path. */
  getPath(path: string): LoggedEntry {
    const normalized = normalizeEntryPath(path);
    const entry = this.manifest.entries.find((e) => e.path === normalized);
    if (!entry) {
      throw new CairnError(
        "NOT_FOUND",
        `${this.qualifiedName} has no entry at "${normalized}": paths are exact and case-sensitive; see artifact.manifest.entries.`,
        { details: { path: normalized } },
      );
    }
    const ctx = this.#ctx;
    const selector = this.#selector();
    const defaultRoot = (): string => this.#defaultRoot();
    return {
      path: entry.path,
      digest: entry.digest,
      size: entry.size,
      extra: entry.extra,
      isReference: entry.ref !== undefined,
      ref() {
        if (entry.ref === undefined) {
          throw new CairnError(
            "INVALID_INPUT",
            `"${entry.path}" is a stored file, not a reference: it has no URI. Use download() to get it.`,
          );
        }
        return entry.ref;
      },
      async download(opts = {}) {
        const root = resolve(opts.root ?? defaultRoot());
        await downloadEntries(ctx, selector, [entry], root, { skipCache: opts.skipCache });
        return destinationOf(root, entry.path);
      },
    };
  }

  /**
   * Checks that `root` holds exactly this version: every stored file present with its digest, no
   * extra files; with `references: true`, references are re-checked against their source.
   */
  async verify(
    root: string = this.#defaultRoot(),
    options: { references?: boolean } = {},
  ): Promise<VerifyReport> {
    const dir = resolve(root);
    const problems: VerifyProblem[] = [];
    const entries = this.manifest.entries;
    assertSafeEntryPaths(entries);
    const stored = entries.filter((e) => e.ref === undefined);
    const present: ManifestEntry[] = [];
    for (const e of stored) {
      const s = await stat(destinationOf(dir, e.path)).catch(() => undefined);
      if (!s?.isFile()) problems.push({ path: e.path, problem: "missing" });
      else present.push(e);
    }
    const hashed = await this.#ctx.hasher.hashFiles(present.map((e) => destinationOf(dir, e.path)));
    present.forEach((e, i) => {
      if (hashed[i]!.digest !== e.digest) {
        problems.push({
          path: e.path,
          problem: "changed",
          detail: `expected ${e.digest}, found ${hashed[i]!.digest}`,
        });
      }
    });
    const known = new Set(entries.map((e) => e.path));
    for (const file of await listFiles(dir)) {
      if (!known.has(file)) problems.push({ path: file, problem: "extra" });
    }
    if (options.references) {
      for (const e of entries.filter((x) => x.ref !== undefined)) {
        const verdict = await this.#ctx.resolvers.verifyReference(e);
        if (!verdict.ok)
          problems.push({ path: e.path, problem: "reference-drifted", detail: verdict.drifted });
      }
    }
    return { ok: problems.length === 0, problems };
  }

  /**
   * Saves edits of description, metadata, aliases, tags and TTL (`artifacts.update`), sending only
   * the fields that changed since the version was loaded or last saved: resending an unchanged TTL
   * would ask for the delete permission a non-member of an open project does not have.
   */
  async save(): Promise<this> {
    const before = this.info;
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    const changes = {
      ...((this.description ?? null) !== (before.description ?? null)
        ? { description: this.description }
        : {}),
      ...(same(this.metadata, before.metadata)
        ? {}
        : { metadata: wireJson(this.metadata, "metadata") }),
      ...(same(this.aliases, before.aliases) ? {} : { aliases: this.aliases }),
      ...(same(this.tags, before.tags) ? {} : { tags: this.tags }),
      ...(this.ttl === before.ttl ? {} : { ttl: this.ttl }),
    };
    if (Object.keys(changes).length === 0) return this;
    const info = await this.#ctx.call((t) =>
      t.artifacts.update.mutate({ ...this.#selector(), ...changes }),
    );
    this.#refresh(info);
    return this;
  }

  /** Deletes the version. A version with aliases needs `{ deleteAliases: true }`. */
  async delete(options: { deleteAliases?: boolean } = {}): Promise<void> {
    await this.#ctx.call((t) =>
      t.artifacts.delete.mutate({
        ...this.#selector(),
        deleteAliases: options.deleteAliases ?? false,
      }),
    );
  }

  /**
   * The run that logged this version, or null — a {@link Run}, so the walk goes on:
   * `(await artifact.loggedBy())?.usedArtifacts()`.
   */
  async loggedBy(): Promise<Run | null> {
    const info = await this.#ctx.call((t) => t.lineage.loggedBy.query(this.#selector()));
    return info ? this.#ctx.runOf(info) : null;
  }

  /** The runs that used this version, as {@link Run}s (`loggedArtifacts()`, `usedArtifacts()`). */
  async usedBy(): Promise<Run[]> {
    const infos = await this.#ctx.call((t) => t.lineage.usedBy.query(this.#selector()));
    return infos.map((info) => this.#ctx.runOf(info));
  }

  /**
   * A draft of the next version that starts with this version's entries: add, replace
   * (`{ overwrite: true }`) or remove files and log it. Carried-over entries need no local file.
   */
  newDraft(): Artifact {
    const draft = new Artifact({
      name: this.name,
      type: this.type,
      description: this.description,
      metadata: structuredClone(this.metadata),
    });
    draft.addLoggedEntries(this.manifest.entries);
    return draft;
  }

  #selector(): VersionSelector {
    return {
      entity: this.info.entity,
      project: this.info.project,
      ref: `${this.info.name}:${this.info.version}`,
    };
  }

  #defaultRoot(): string {
    return join(".", "artifacts", `${this.info.name}-${this.info.version}`);
  }

  #refresh(info: VersionInfo): void {
    this.info = info;
    this.aliases = [...info.aliases];
    this.tags = [...info.tags];
    this.ttl = info.ttl;
    this.description = info.description;
    this.metadata = info.metadata as Record<string, unknown>;
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string): Promise<void> => {
    const dirents = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const dirent of dirents) {
      const abs = join(d, dirent.name);
      if (dirent.isDirectory()) await visit(abs);
      else out.push(relative(dir, abs).split(sep).join("/"));
    }
  };
  await visit(dir);
  return out;
}

/** Only the entries of each page that `matches` accepts. */
async function* filterPages(
  pages: AsyncIterable<readonly ManifestEntry[]>,
  matches: (path: string) => boolean,
): AsyncGenerator<ManifestEntry[]> {
  for await (const page of pages) yield page.filter((e) => matches(e.path));
}
