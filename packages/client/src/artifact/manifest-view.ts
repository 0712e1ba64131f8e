import { type ManifestEntry, normalizeEntryPath } from "@cairn/core";

/**
 * An artifact's manifest as the SDK shows it: the entry list, the version digest, and
 * `get(path)` for one entry (W&B's `manifest.get_entry_by_path`), found by exact path.
 */
export class ArtifactManifest {
  readonly entries: readonly ManifestEntry[];
  readonly digest: string;
  #byPath: Map<string, ManifestEntry> | undefined;

  constructor(entries: readonly ManifestEntry[], digest: string) {
    this.entries = entries;
    this.digest = digest;
  }

  /** The entry at `path` (normalised like entry paths: `./a//b` is `a/b`), or undefined. */
  get(path: string): ManifestEntry | undefined {
    if (!this.#byPath) this.#byPath = new Map(this.entries.map((e) => [e.path, e]));
    return this.#byPath.get(normalizeEntryPath(path));
  }
}

const views = new WeakMap<readonly ManifestEntry[], ArtifactManifest>();

/** One view per entry list, so repeated `artifact.manifest.get()` calls index the entries once. */
export function manifestView(entries: readonly ManifestEntry[], digest: string): ArtifactManifest {
  let view = views.get(entries);
  if (!view || view.digest !== digest) {
    view = new ArtifactManifest(entries, digest);
    views.set(entries, view);
  }
  return view;
}
