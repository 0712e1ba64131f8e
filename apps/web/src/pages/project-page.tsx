import { useMemo, useState } from "react";
import { ErrorBox, Loading } from "../components/status.js";
import { StorageSummary } from "../components/storage-summary.js";
import { VirtualList } from "../components/virtual-list.js";
import { formatDate } from "../format.js";
import { useTrpcInfinite, useTrpcQuery } from "../query.js";
import { Link } from "../router.js";

type Row =
  | { kind: "type"; type: string }
  | {
      kind: "collection";
      name: string;
      type: string;
      versionCount: number;
      latest?: number | undefined;
      updatedAt: string;
    };

/** A project: its artifact collections grouped by type (paged, virtualised), runs and storage. */
export function ProjectPage(props: { entity: string; project: string }) {
  const { entity, project } = props;
  const [type, setType] = useState("");
  const info = useTrpcQuery("projects.get", { entity, project });
  const collections = useTrpcInfinite("artifacts.listCollections", {
    entity,
    project,
    limit: 200,
    ...(type ? { type } : {}),
  });
  const rows = useMemo(() => {
    const all = collections.data?.pages.flatMap((p) => p.collections) ?? [];
    // Group by type: the server pages in its own order, so sorting keeps each type together.
    const sorted = [...all].sort(
      (a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name),
    );
    const out: Row[] = [];
    let current: string | null = null;
    for (const c of sorted) {
      if (c.type !== current) {
        out.push({ kind: "type", type: c.type });
        current = c.type;
      }
      out.push({ kind: "collection", ...c });
    }
    return out;
  }, [collections.data]);

  return (
    <section>
      <h1>
        {entity}/{project}
      </h1>
      {info.error ? <ErrorBox error={info.error} /> : null}
      {info.data ? (
        <p className="muted">
          {info.data.visibility} project · your role: {info.data.role}
          {info.data.description ? ` · ${info.data.description}` : ""}
        </p>
      ) : null}
      <div className="columns">
        <div>
          <h2>Artifacts</h2>
          <label>
            Type{" "}
            <input
              value={type}
              onChange={(e) => setType(e.target.value.trim())}
              placeholder="all types"
              aria-describedby="type-help"
            />
          </label>
          <span id="type-help" className="muted small">
            {" "}
            e.g. dataset, model
          </span>
          {collections.isPending ? <Loading what="artifacts" /> : null}
          {collections.error ? <ErrorBox error={collections.error} /> : null}
          {collections.data ? (
            <VirtualList
              label="Artifact collections"
              items={rows}
              rowHeight={36}
              height={420}
              keyOf={(r) => (r.kind === "type" ? `t:${r.type}` : `c:${r.type}:${r.name}`)}
              hasMore={collections.hasNextPage}
              loadingMore={collections.isFetchingNextPage}
              loadMore={() => void collections.fetchNextPage()}
              renderRow={(r) =>
                r.kind === "type" ? (
                  <h3 className="group-head">{r.type}</h3>
                ) : (
                  <div className="row-cells">
                    <Link to={{ page: "collection", entity, project, name: r.name }}>{r.name}</Link>
                    <span className="muted">
                      {r.versionCount} version{r.versionCount === 1 ? "" : "s"}
                      {r.latest !== undefined ? ` · latest v${r.latest}` : ""}
                    </span>
                    <span className="muted small">{formatDate(r.updatedAt)}</span>
                  </div>
                )
              }
            />
          ) : null}
        </div>
        <div>
          <h2>Storage</h2>
          <StorageSummary entity={entity} project={project} />
          <h2>Runs</h2>
          <RunsList entity={entity} project={project} />
        </div>
      </div>
    </section>
  );
}

function RunsList(props: { entity: string; project: string }) {
  const { entity, project } = props;
  const runs = useTrpcInfinite("runs.list", { entity, project, limit: 100 });
  const items = runs.data?.pages.flatMap((p) => p.runs) ?? [];
  if (runs.isPending) return <Loading what="runs" />;
  if (runs.error) return <ErrorBox error={runs.error} />;
  return (
    <VirtualList
      label="Runs"
      items={items}
      rowHeight={32}
      height={260}
      keyOf={(r) => r.id}
      hasMore={runs.hasNextPage}
      loadingMore={runs.isFetchingNextPage}
      loadMore={() => void runs.fetchNextPage()}
      renderRow={(r) => (
        <div className="row-cells">
          <Link to={{ page: "run", entity, project, id: r.id }}>{r.name ?? r.id}</Link>
          <span className="muted">{r.jobType ?? "—"}</span>
          <span className="muted small">{r.state}</span>
        </div>
      )}
    />
  );
}
