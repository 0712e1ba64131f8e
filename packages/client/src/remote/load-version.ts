import type { VersionInfo } from "../transport/router-types.js";
import type { ClientContext } from "./context.js";
import { LoggedArtifact } from "./logged-artifact.js";
import { fetchManifest } from "./version-reads.js";

/** A LoggedArtifact for `info`, with its manifest fetched in pages. */
export async function loadLoggedArtifact(
  ctx: ClientContext,
  info: VersionInfo,
): Promise<LoggedArtifact> {
  const entries = await fetchManifest(ctx, {
    entity: info.entity,
    project: info.project,
    ref: `${info.name}:${info.version}`,
  });
  return new LoggedArtifact(ctx, info, entries);
}
