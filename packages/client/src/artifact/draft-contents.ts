import { statSync } from "node:fs";
import { CairnError, type ManifestEntry } from "@cairn/core";
import type { AddReferenceOptions } from "../references/reference-resolvers.js";
import type { ArtifactMedia } from "../tables/table-file.js";

/** Where the bytes of a stored (non-reference) entry of a draft come from. */
export type DraftSource =
  | { kind: "file"; localPath: string; origin: "addFile" | "addDir" | "newFile" }
  | { kind: "media"; media: ArtifactMedia; json: string }
  /** An entry carried over from a logged version (`newDraft`): its bytes are already stored. */
  | { kind: "entry"; entry: ManifestEntry };

/** A stored entry of a draft, before hashing. */
export interface DraftItem {
  path: string;
  source: DraftSource;
  /** Other local files added at the same path: they must hash the same, or DUPLICATE_PATH. */
  mustMatch: string[];
  seq: number;
  /** Added with `{ overwrite: true }`: it replaces references resolved at the same path earlier. */
  overwrite: boolean;
}

/** An `addReference` call, resolved (looked up, maybe expanded) by `resolveEntries`. */
export interface DraftReference {
  uri: string;
  options: AddReferenceOptions;
  overwrite: boolean;
  /** The entry path (single object) or prefix (expansion) the reference is named under. */
  basePath: string;
  seq: number;
}

/** A `remove(path)` call, applied to reference entries resolved from earlier calls. */
export interface DraftRemoval {
  path: string;
  seq: number;
}

/** True when `path` is `target` or lies below it. */
export function isAtOrUnder(path: string, target: string): boolean {
  return path === target || path.startsWith(`${target}/`);
}

function describe(source: DraftSource): string {
  if (source.kind === "file") return `${source.origin}(${JSON.stringify(source.localPath)})`;
  if (source.kind === "entry") return "the version this draft was made from";
  return "add(table)";
}

export function duplicatePath(path: string, first: string, second: string): CairnError {
  return new CairnError(
    "DUPLICATE_PATH",
    `The artifact already has different contents at "${path}" (from ${first}; now ${second}). Give one of them another name, remove("${path}") first, or pass { overwrite: true } to replace it.`,
    { details: { path } },
  );
}

function fileSize(path: string): number | undefined {
  return statSync(path, { throwIfNoEntry: false })?.size;
}

/**
 * The stored entries of a draft, by path, with the duplicate rules: adding the same path again
 * with the same source is a no-op, with different contents it is DUPLICATE_PATH unless
 * `overwrite`. Two different local files whose sizes match may still be identical, so that case
 * is settled by their digests at resolve time (`mustMatch`).
 */
export class DraftContents {
  readonly items = new Map<string, DraftItem>();
  readonly references: DraftReference[] = [];
  readonly removals: DraftRemoval[] = [];
  #seq = 0;

  /** Next operation number (orders references, removals and overwrites). */
  nextSeq(): number {
    return this.#seq++;
  }

  /** Adds or replaces a stored entry according to the duplicate rules. */
  put(path: string, source: DraftSource, overwrite: boolean): void {
    const existing = this.items.get(path);
    const seq = this.nextSeq();
    if (!existing || overwrite) {
      this.items.set(path, { path, source, mustMatch: [], seq, overwrite });
      return;
    }
    const a = existing.source;
    if (a.kind === "file" && source.kind === "file" && a.localPath === source.localPath) return;
    if (a.kind === "media" && source.kind === "media" && a.json === source.json) return;
    if (a.kind === "entry" && source.kind === "entry" && sameEntry(a.entry, source.entry)) return;
    const comparable =
      a.kind === "file" &&
      source.kind === "file" &&
      a.origin !== "newFile" &&
      source.origin !== "newFile";
    if (comparable && fileSize(a.localPath) === fileSize(source.localPath)) {
      existing.mustMatch.push(source.localPath);
      return;
    }
    throw duplicatePath(path, describe(a), describe(source));
  }

  /**
   * Removes the entry at `path`, or every entry below it when it names a folder. Also drops
   * references named there; entries that later expansions produce there are removed at resolve
   * time. Returns the number of things removed now.
   */
  remove(path: string): number {
    let removed = 0;
    for (const key of [...this.items.keys()]) {
      if (isAtOrUnder(key, path)) {
        this.items.delete(key);
        removed++;
      }
    }
    for (let i = this.references.length - 1; i >= 0; i--) {
      if (isAtOrUnder(this.references[i]!.basePath, path)) {
        this.references.splice(i, 1);
        removed++;
      }
    }
    this.removals.push({ path, seq: this.nextSeq() });
    return removed;
  }

  /**
   * Merges resolved reference entries into `entries` (stored entries, by path) in operation
   * order: a removal issued after a reference deletes its entries; an identical entry is kept;
   * a different one replaces it only with `overwrite`.
   */
  mergeReferences(
    entries: Map<string, ManifestEntry & { seq: number; overwrite: boolean }>,
    resolved: Array<{ reference: DraftReference; entries: ManifestEntry[] }>,
  ): void {
    const ops = [
      ...resolved.map((r) => ({ seq: r.reference.seq, r })),
      ...this.removals.map((removal) => ({ seq: removal.seq, removal })),
    ].sort((x, y) => x.seq - y.seq);
    for (const op of ops) {
      if ("removal" in op) {
        for (const [path, entry] of entries) {
          if (entry.ref !== undefined && isAtOrUnder(path, op.removal.path)) entries.delete(path);
        }
        continue;
      }
      const { reference } = op.r;
      for (const entry of op.r.entries) {
        const existing = entries.get(entry.path);
        const candidate = { ...entry, seq: reference.seq, overwrite: reference.overwrite };
        if (!existing || sameEntry(existing, entry)) {
          entries.set(entry.path, existing ?? candidate);
          continue;
        }
        // The later of the two operations decides, as if they had been applied in call order.
        const [earlier, later] =
          existing.seq < candidate.seq ? [existing, candidate] : [candidate, existing];
        if (!later.overwrite) {
          throw duplicatePath(entry.path, origin(earlier), origin(later));
        }
        entries.set(entry.path, later);
      }
    }
  }
}

function origin(entry: ManifestEntry): string {
  return entry.ref ? `addReference(${JSON.stringify(entry.ref)})` : "a stored file";
}

function sameEntry(a: ManifestEntry, b: ManifestEntry): boolean {
  return (
    a.digest === b.digest &&
    a.size === b.size &&
    a.ref === b.ref &&
    JSON.stringify(a.extra ?? {}) === JSON.stringify(b.extra ?? {})
  );
}
