import { mkdirSync, mkdtempSync, rmSync, type Stats, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import {
  CairnError,
  type ManifestEntry,
  nameForAddFile,
  nameForDirEntry,
  nameForNewFile,
  nameForReference,
  normalizeEntryPath,
  validateArtifactName,
  validateArtifactType,
} from "@cairn/core";
import { walkFilesSync } from "../local-files.js";
import type { AddReferenceOptions } from "../references/reference-resolvers.js";
import {
  type ArtifactMedia,
  parseMedia,
  serializeMedia,
  tableEntryPath,
} from "../tables/table-file.js";
import { DraftContents } from "./draft-contents.js";
import { type ArtifactManifest, manifestView } from "./manifest-view.js";
import { type ArtifactFileWriter, createFileWriter } from "./new-file-writer.js";
import { type ResolvedDraft, type ResolveEntriesOptions, resolveDraft } from "./resolve-draft.js";

export type { ResolveEntriesOptions } from "./resolve-draft.js";

/** Options of `new Artifact(…)`. */
export interface ArtifactOptions {
  name: string;
  type: string;
  description?: string | null;
  metadata?: Record<string, unknown>;
}

/** `{ overwrite: true }` replaces different contents already at the same path. */
export interface OverwriteOption {
  overwrite?: boolean;
}

/** A logged version, as the server returns it (part of `VersionInfo`) with its manifest. */
export interface LoggedVersion {
  entity: string;
  project: string;
  name: string;
  type: string;
  /** Version number (`v3` → 3). */
  number: number;
  digest: string;
  aliases: string[];
  description: string | null;
  metadata: Record<string, unknown>;
  entries: ManifestEntry[];
}

/** Reads the bytes of one entry of a logged version (the transport layer provides it). */
export type EntryReader = (entry: ManifestEntry) => Promise<Uint8Array>;

function notDraft(version: LoggedVersion): CairnError {
  return new CairnError(
    "CONFLICT",
    `${version.name}:v${version.number} is a logged version: its contents can never change. To change files, create a new Artifact({ name: "${version.name}", type: "${version.type}" }), add them and log it as a new version.`,
    { details: { name: version.name, version: version.number } },
  );
}

function checkMetadata(metadata: unknown): Record<string, unknown> {
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new CairnError(
      "INVALID_INPUT",
      "Artifact metadata must be a plain JSON object, e.g. { rows: 100 }.",
    );
  }
  try {
    JSON.stringify(metadata);
  } catch (err) {
    throw new CairnError(
      "INVALID_INPUT",
      `Artifact metadata must be JSON-serialisable (${(err as Error).message}).`,
      { cause: err },
    );
  }
  return metadata as Record<string, unknown>;
}

/**
 * An artifact: either a **draft** being built on this machine (`new Artifact(…)`, then `addFile`,
 * `addDir`, `newFile`, `addReference`, `add`, `remove`, and `resolveEntries()` to hash files and
 * look up references), or a **logged version** fetched from the server (`Artifact.fromVersion`),
 * whose contents are read-only. Description and metadata are editable in both states.
 */
export class Artifact {
  readonly name: string;
  readonly type: string;
  description: string | null;
  #metadata: Record<string, unknown>;
  readonly #contents = new DraftContents();
  readonly #writers: ArtifactFileWriter[] = [];
  #tempDir: string | undefined;
  #resolved: ResolvedDraft | undefined;
  #logged: { version: LoggedVersion; reader: EntryReader | undefined } | undefined;

  constructor(options: ArtifactOptions) {
    this.name = validateArtifactName(options.name);
    this.type = validateArtifactType(options.type);
    this.description = options.description ?? null;
    this.#metadata = checkMetadata(options.metadata ?? {});
  }

  /** A logged version (read-only contents). `reader` fetches entry bytes for `get()`. */
  static fromVersion(version: LoggedVersion, reader?: EntryReader): Artifact {
    const artifact = new Artifact({
      name: version.name,
      type: version.type,
      description: version.description,
      metadata: version.metadata,
    });
    artifact.attachVersion(version, reader);
    return artifact;
  }

  /** Turns a fresh instance into a logged version (for subclasses wired to a server). */
  protected attachVersion(version: LoggedVersion, reader?: EntryReader): void {
    this.#logged = { version, reader };
  }

  /** `"draft"` until logged; `"logged"` for a version fetched from or committed to the server. */
  get state(): "draft" | "logged" {
    return this.#logged ? "logged" : "draft";
  }

  /** The logged version's data (number, digest, manifest…), or undefined for a draft. */
  get loggedVersion(): LoggedVersion | undefined {
    return this.#logged?.version;
  }

  /** The version label, `v3`, of a logged version; undefined for a draft. */
  get version(): string | undefined {
    return this.#logged ? `v${this.#logged.version.number}` : undefined;
  }

  /** JSON metadata (replace it as a whole; validated). */
  get metadata(): Record<string, unknown> {
    return this.#metadata;
  }
  set metadata(value: Record<string, unknown>) {
    this.#metadata = checkMetadata(value);
  }

  /**
   * The manifest. For a draft, available after {@link resolveEntries} and until the next change
   * (DRAFT_NOT_READY otherwise: the digests of files are not known before hashing).
   */
  get manifest(): ArtifactManifest {
    if (this.#logged)
      return manifestView(this.#logged.version.entries, this.#logged.version.digest);
    if (!this.#resolved) {
      throw new CairnError(
        "DRAFT_NOT_READY",
        `The manifest of the draft "${this.name}" is not computed yet (or changed since): await artifact.resolveEntries() first.`,
      );
    }
    return manifestView(this.#resolved.entries, this.#resolved.digest);
  }

  /** The local file whose bytes a stored entry of the resolved draft holds (for upload). */
  localPathOf(entryPath: string): string | undefined {
    return this.#resolved?.localFiles.get(normalizeEntryPath(entryPath));
  }

  /** Adds a local file, stored as its base name or `options.name`. Returns the entry path. */
  addFile(localPath: string, options: { name?: string } & OverwriteOption = {}): string {
    const draft = this.#draft();
    const path = nameForAddFile(localPath, { name: options.name });
    const absolute = resolve(localPath);
    const s = statSyncOrThrow(absolute);
    if (!s.isFile()) {
      throw new CairnError(
        "INVALID_PATH",
        `${localPath} is not a regular file: use addDir() for a directory.`,
        { details: { localPath } },
      );
    }
    draft.put(
      path,
      { kind: "file", localPath: absolute, origin: "addFile" },
      options.overwrite ?? false,
    );
    this.#changed();
    return path;
  }

  /** Adds every file below a directory, at its relative path under `options.name`. Returns the entry paths. */
  addDir(localPath: string, options: { name?: string } & OverwriteOption = {}): string[] {
    const draft = this.#draft();
    const files = walkFilesSync(resolve(localPath));
    const paths = files.map((f) => nameForDirEntry(f.relativePath, { name: options.name }));
    files.forEach((f, i) => {
      draft.put(
        paths[i]!,
        { kind: "file", localPath: f.absolutePath, origin: "addDir" },
        options.overwrite ?? false,
      );
    });
    this.#changed();
    return paths;
  }

  /** Creates an empty file inside the artifact and returns its writer. */
  newFile(name: string, options: OverwriteOption = {}): ArtifactFileWriter {
    const draft = this.#draft();
    const path = nameForNewFile(name);
    const localPath = join(this.#ensureTempDir(), "new", ...path.split("/"));
    mkdirSync(dirname(localPath), { recursive: true });
    draft.put(path, { kind: "file", localPath, origin: "newFile" }, options.overwrite ?? false);
    writeFileSync(localPath, "");
    const writer = createFileWriter(path, localPath);
    this.#writers.push(writer);
    this.#changed();
    return writer;
  }

  /** Adds an external reference (no bytes copied); looked up by {@link resolveEntries}. */
  addReference(uri: string, options: AddReferenceOptions & OverwriteOption = {}): void {
    const draft = this.#draft();
    const basePath = nameForReference(uri, { name: options.name });
    const { overwrite, ...rest } = options;
    draft.references.push({
      uri,
      options: rest,
      overwrite: overwrite ?? false,
      basePath,
      seq: draft.nextSeq(),
    });
    this.#changed();
  }

  /** Adds a Table or PartitionedTable under `name` (stored as `<name>.table.json`). */
  add(media: ArtifactMedia, name: string, options: OverwriteOption = {}): string {
    const draft = this.#draft();
    const path = tableEntryPath(name);
    draft.put(
      path,
      { kind: "media", media, json: serializeMedia(media) },
      options.overwrite ?? false,
    );
    this.#changed();
    return path;
  }

  /**
   * Adds entries of an already logged version (what `newDraft()` starts from): their bytes are
   * already stored on the server, so they need no local file. Same duplicate rules as `addFile`.
   */
  addLoggedEntries(entries: readonly ManifestEntry[], options: OverwriteOption = {}): void {
    const draft = this.#draft();
    for (const entry of entries) {
      const path = normalizeEntryPath(entry.path);
      draft.put(path, { kind: "entry", entry: { ...entry, path } }, options.overwrite ?? false);
    }
    this.#changed();
  }

  /** Removes the entry at `path`, or every entry below it. NOT_FOUND when nothing could match. */
  remove(path: string): void {
    const draft = this.#draft();
    const normalized = normalizeEntryPath(path);
    const removed = draft.remove(normalized);
    if (removed === 0 && draft.references.length === 0) {
      throw new CairnError(
        "NOT_FOUND",
        `The artifact "${this.name}" has no entry at or below "${normalized}": nothing to remove.`,
        {
          details: { path: normalized },
        },
      );
    }
    this.#changed();
  }

  /**
   * The table stored under `name` (`add(table, name)`), as the same kind of object, or
   * undefined. A logged version reads the entry through its {@link EntryReader}.
   */
  async get(name: string): Promise<ArtifactMedia | undefined> {
    const path = tableEntryPath(name);
    if (this.#logged) {
      const entry = this.#logged.version.entries.find((e) => e.path === path);
      if (!entry) return undefined;
      if (!this.#logged.reader) {
        throw new CairnError(
          "UNAVAILABLE",
          `Cannot read "${path}" of ${this.name}: this artifact object has no connection to fetch it with.`,
        );
      }
      return parseMedia(await this.#logged.reader(entry));
    }
    const item = this.#contents.items.get(path);
    return item?.source.kind === "media" ? item.source.media : undefined;
  }

  /**
   * Computes the draft's manifest: closes `newFile` writers, writes tables, hashes every local
   * file (in parallel, through the digest cache of `hasher`), resolves references, and checks
   * duplicate paths. The result is sorted by path and cached until the next change.
   */
  async resolveEntries(options: ResolveEntriesOptions = {}): Promise<ManifestEntry[]> {
    if (this.#logged) return this.#logged.version.entries;
    if (this.#resolved) return this.#resolved.entries;
    await Promise.all(this.#writers.map((w) => w.close()));
    this.#resolved = await resolveDraft(this.#contents, () => this.#ensureTempDir(), options);
    return this.#resolved.entries;
  }

  /** Deletes the temp files of `newFile` and tables. The draft's new files are gone afterwards. */
  cleanup(): void {
    if (this.#tempDir) rmSync(this.#tempDir, { recursive: true, force: true });
    this.#tempDir = undefined;
  }

  #draft(): DraftContents {
    if (this.#logged) throw notDraft(this.#logged.version);
    return this.#contents;
  }

  #changed(): void {
    this.#resolved = undefined;
  }

  #ensureTempDir(): string {
    this.#tempDir ??= mkdtempSync(join(tmpdir(), "cairn-artifact-"));
    return this.#tempDir;
  }
}

function statSyncOrThrow(path: string): Stats {
  try {
    return statSync(path);
  } catch (err) {
    throw new CairnError(
      "NOT_FOUND",
      `The file ${path} does not exist or cannot be read. Check the path.`,
      { cause: err, details: { path } },
    );
  }
}
