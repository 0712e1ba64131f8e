import { type FormEvent, useState } from "react";
import { ErrorBox, Loading } from "../components/status.js";
import { VirtualList } from "../components/virtual-list.js";
import { formatBytes, formatDate } from "../format.js";
import { useTrpcInfinite } from "../query.js";
import { Link, navigate } from "../router.js";

/** One artifact collection: its versions (paged, virtualised) and a compare form. */
export function CollectionPage(props: { entity: string; project: string; name: string }) {
  const { entity, project, name } = props;
  const versions = useTrpcInfinite("artifacts.listVersions", { entity, project, name, limit: 200 });
  const items = versions.data?.pages.flatMap((p) => p.versions) ?? [];
  return (
    <section>
      <h1>{name}</h1>
      {items[0] ? <p className="muted">type: {items[0].type}</p> : null}
      <CompareForm entity={entity} project={project} name={name} />
      <h2>Versions</h2>
      {versions.isPending ? <Loading what="versions" /> : null}
      {versions.error ? <ErrorBox error={versions.error} /> : null}
      {versions.data ? (
        <VirtualList
          label={`Versions of ${name}`}
          items={items}
          rowHeight={40}
          height={480}
          keyOf={(v) => v.id}
          hasMore={versions.hasNextPage}
          loadingMore={versions.isFetchingNextPage}
          loadMore={() => void versions.fetchNextPage()}
          header={
            <div className="row-cells vlist-head" aria-hidden="true">
              <span>Version</span>
              <span>Aliases</span>
              <span>Tags</span>
              <span>Size</span>
              <span>Created by</span>
              <span>Created</span>
            </div>
          }
          renderRow={(v) => (
            <div className="row-cells">
              <Link to={{ page: "version", entity, project, name, version: v.version }}>
                {v.version}
              </Link>
              <span>
                {v.aliases.map((a) => (
                  <span key={a} className="chip">
                    {a}
                  </span>
                ))}
              </span>
              <span>
                {v.tags.map((t) => (
                  <span key={t} className="chip tag">
                    {t}
                  </span>
                ))}
              </span>
              <span>{formatBytes(v.size)}</span>
              <span>
                {v.createdByRunId ? (
                  <Link to={{ page: "run", entity, project, id: v.createdByRunId }}>
                    {v.createdByRunId}
                  </Link>
                ) : (
                  <span className="muted">—</span>
                )}
              </span>
              <span className="muted small">{formatDate(v.createdAt)}</span>
            </div>
          )}
        />
      ) : null}
    </section>
  );
}

function CompareForm(props: { entity: string; project: string; name: string }) {
  const [a, setA] = useState("v0");
  const [b, setB] = useState("latest");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate({
      page: "diff",
      entity: props.entity,
      project: props.project,
      a: `${props.name}:${a.trim()}`,
      b: `${props.name}:${b.trim()}`,
    });
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Compare two versions">
      <label>
        Compare{" "}
        <input
          value={a}
          onChange={(e) => setA(e.target.value)}
          size={8}
          aria-label="From version"
        />
      </label>
      <label>
        with{" "}
        <input value={b} onChange={(e) => setB(e.target.value)} size={8} aria-label="To version" />
      </label>
      <button type="submit">Show diff</button>
    </form>
  );
}
