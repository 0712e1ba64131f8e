import type { VersionInfo } from "../transport/router-types.js";
import type { ClientContext } from "./context.js";
import { LoggedArtifact } from "./logged-artifact.js";
import { fetchManifest } from "./version-reads.js";

/**
 * A LoggedArtifact for `info`, with its manifest fetched in pages — or, with `manifest: false`,
 * not yet (`download({ prefix, include })` then asks the server only for matching pages, and
 * `loadManifest()` fetches the rest when needed).
 */
export async function loadLoggedArtifact(
  ctx: ClientContext,
  info: VersionInfo,
  options: { manifest?: boolean } = {},
): Promise<LoggedArtifact> {
  if (options.manifest === false) return new LoggedArtifact(ctx, info, null);
  const entries = await fetchManifest(ctx, {
    entity: info.entity,
    project: info.project,
    ref: `${info.name}:${info.version}`,
  });
  return new LoggedArtifact(ctx, info, entries);
}
