import { useQuery } from "@tanstack/react-query";
import { formatBytes, formatNumber } from "../format.js";
import { useTRPC } from "../query.js";
import { ErrorBox, Loading } from "./status.js";

/**
 * Storage accounting of a project or one version: logical bytes (what the versions add up to)
 * against unique bytes (what is actually stored once deduplicated).
 */
export function StorageSummary(props: { entity: string; project: string; ref?: string }) {
  const trpc = useTRPC();
  const storage = useQuery(
    trpc.artifacts.storage.queryOptions({
      entity: props.entity,
      project: props.project,
      ...(props.ref ? { ref: props.ref } : {}),
    }),
  );
  if (storage.isPending) return <Loading what="storage" />;
  if (storage.error) return <ErrorBox error={storage.error} what="storage" />;
  const s = storage.data;
  const saved = s.logicalBytes > 0 ? 1 - s.uniqueBytes / s.logicalBytes : 0;
  return (
    <dl className="facts" aria-label="Storage">
      <dt>Logical size</dt>
      <dd data-testid="logical-bytes">{formatBytes(s.logicalBytes)}</dd>
      <dt>Unique (stored) size</dt>
      <dd data-testid="unique-bytes">{formatBytes(s.uniqueBytes)}</dd>
      <dt>Saved by deduplication</dt>
      <dd>{(saved * 100).toFixed(1)}%</dd>
      <dt>Versions / entries / unique blobs</dt>
      <dd>
        {formatNumber(s.versions)} / {formatNumber(s.files)} / {formatNumber(s.uniqueFiles)}
      </dd>
    </dl>
  );
}
