import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { fitHeight, GridHead, GridRow } from "../components/grid-table.js";
import { ErrorBox, Loading } from "../components/status.js";
import { VirtualList } from "../components/virtual-list.js";
import { type ChangeKind, diffRows, metadataDiff } from "../diff-rows.js";
import { formatBytes, formatJson, formatNumber, shortDigest } from "../format.js";
import { useTRPC } from "../query.js";
import { Link, useTitle } from "../router.js";
import type { OutputOf } from "../trpc.js";

type Side = OutputOf<"artifacts.diff">["added"][number];
const KINDS: ChangeKind[] = ["added", "removed", "changed"];
const COLUMNS = "80px minmax(160px, 2fr) minmax(120px, 1fr) minmax(120px, 1fr)";

function SideCell(props: { side: Side | null }) {
  if (!props.side) return <span />;
  return (
    <span title={props.side.ref ?? props.side.digest}>
      {formatBytes(props.side.size)}{" "}
      <span className="mono small">{props.side.ref ? "ref" : shortDigest(props.side.digest)}</span>
    </span>
  );
}

/**
 * What changed between two versions: links to both, a metadata diff, and the changed paths in a
 * virtualised table filtered by kind and optionally grouped by folder; identical contents say so.
 */
export function DiffPage(props: { entity: string; project: string; a: string; b: string }) {
  const { entity, project, a, b } = props;
  useTitle(`Diff ${a} → ${b}`, `${entity}/${project}`);
  const trpc = useTRPC();
  const enabled = !!a && !!b;
  const diff = useQuery({
    ...trpc.artifacts.diff.queryOptions({ entity, project, a, b }),
    enabled,
  });
  const va = useQuery({ ...trpc.artifacts.get.queryOptions({ entity, project, ref: a }), enabled });
  const vb = useQuery({ ...trpc.artifacts.get.queryOptions({ entity, project, ref: b }), enabled });
  const [kinds, setKinds] = useState<ReadonlySet<ChangeKind>>(new Set(KINDS));
  const [byFolder, setByFolder] = useState(false);
  const rows = useMemo(
    () => (diff.data ? diffRows(diff.data, kinds, byFolder) : []),
    [diff.data, kinds, byFolder],
  );
  const meta = useMemo(
    () => (va.data && vb.data ? metadataDiff(va.data.metadata, vb.data.metadata) : null),
    [va.data, vb.data],
  );
  const link = (v: typeof va.data, label: string) =>
    v ? (
      <Link
        to={{
          page: "version",
          entity: v.entity,
          project: v.project,
          name: v.name,
          version: v.version,
        }}
      >
        {v.name}:{v.version}
      </Link>
    ) : (
      label
    );
  if (!enabled)
    return (
      <section>
        <h1>Diff</h1>
        <p className="error">Name two versions to compare (a and b in the address).</p>
      </section>
    );
  const t = diff.data?.totals;
  const identical = t && t.added + t.removed + t.changed === 0;
  return (
    <section>
      <h1>
        Diff {link(va.data, a)} → {link(vb.data, b)}
      </h1>
      {diff.isPending ? <Loading what="diff" /> : null}
      {diff.error ? <ErrorBox error={diff.error} what={`the diff of ${a} and ${b}`} /> : null}
      {t ? (
        <p data-testid="diff-totals">
          {formatNumber(t.added)} added · {formatNumber(t.removed)} removed ·{" "}
          {formatNumber(t.changed)} changed
        </p>
      ) : null}
      {identical ? (
        <p className="ok" role="status" data-testid="diff-identical">
          The files are identical: both versions hold the same paths with the same contents.
        </p>
      ) : null}
      {meta ? (
        <section aria-labelledby="meta-diff-title">
          <h2 id="meta-diff-title">Metadata</h2>
          {meta.length === 0 ? (
            <p className="muted" data-testid="metadata-same">
              Metadata is the same.
            </p>
          ) : (
            <table className="diff" aria-label="Metadata changes">
              <thead>
                <tr>
                  <th scope="col">Change</th>
                  <th scope="col">Key</th>
                  <th scope="col">Before</th>
                  <th scope="col">After</th>
                </tr>
              </thead>
              <tbody>
                {meta.map((m) => (
                  <tr key={m.key} className={m.kind}>
                    <td>{m.kind}</td>
                    <td className="mono">{m.key}</td>
                    <td className="mono small">{m.kind === "added" ? "" : formatJson(m.before)}</td>
                    <td className="mono small">
                      {m.kind === "removed" ? "" : formatJson(m.after)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ) : null}
      {diff.data && !identical ? (
        <>
          <h2>Files</h2>
          <fieldset className="toolbar plain" aria-label="Filter changes">
            {KINDS.map((k) => (
              <label key={k}>
                <input
                  type="checkbox"
                  checked={kinds.has(k)}
                  onChange={() =>
                    setKinds((prev) => {
                      const next = new Set(prev);
                      if (next.has(k)) next.delete(k);
                      else next.add(k);
                      return next;
                    })
                  }
                />{" "}
                {k} ({formatNumber(diff.data.totals[k])})
              </label>
            ))}
            <label>
              <input
                type="checkbox"
                checked={byFolder}
                onChange={(e) => setByFolder(e.target.checked)}
              />{" "}
              Group by folder
            </label>
          </fieldset>
          {diff.data.truncated ? (
            <p className="warning small">
              Showing the first{" "}
              {formatNumber(
                diff.data.added.length + diff.data.removed.length + diff.data.changed.length,
              )}{" "}
              changed paths; the totals above count them all.
            </p>
          ) : null}
          <VirtualList
            label="Changed paths"
            items={rows}
            rowHeight={30}
            height={fitHeight(rows.length, 30, 520, 60)}
            keyOf={(r) => `${r.kind}:${r.path}`}
            testId="diff-status"
            status={`${formatNumber(rows.filter((r) => r.kind !== "folder").length)} paths shown`}
            header={
              <GridHead columns={COLUMNS}>
                <span>Change</span>
                <span>Path</span>
                <span>Before</span>
                <span>After</span>
              </GridHead>
            }
            renderRow={(r) =>
              r.kind === "folder" ? (
                <GridRow className="folder-head">
                  <strong className="mono">{r.path === "" ? "(top level)" : `${r.path}/`}</strong>
                  <span className="muted small"> {formatNumber(r.count)} changed</span>
                </GridRow>
              ) : (
                <GridRow columns={COLUMNS} className={`diff-row ${r.kind}`} testId="diff-row">
                  <span className="change">{r.kind}</span>
                  <span className="mono" title={r.path}>
                    {r.path}
                  </span>
                  <SideCell side={r.before} />
                  <SideCell side={r.after} />
                </GridRow>
              )
            }
          />
        </>
      ) : null}
    </section>
  );
}
