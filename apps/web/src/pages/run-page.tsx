import { useQuery } from "@tanstack/react-query";
import { JsonView } from "../components/json-view.js";
import { runDurationMs } from "../components/runs-table.js";
import { ErrorBox, Loading } from "../components/status.js";
import { formatBytes, formatDate, formatDuration } from "../format.js";
import { useTRPC } from "../query.js";
import { Link, useTitle } from "../router.js";
import type { OutputOf } from "../trpc.js";

type Version = OutputOf<"artifacts.get">;

/** One run: config, summary, and the versions it used (inputs) and logged (outputs). */
export function RunPage(props: { entity: string; project: string; id: string }) {
  const { entity, project, id } = props;
  const trpc = useTRPC();
  const run = useQuery(trpc.runs.get.queryOptions({ entity, project, id }));
  const inputs = useQuery(trpc.lineage.usedArtifacts.queryOptions({ entity, project, runId: id }));
  const outputs = useQuery(
    trpc.lineage.loggedArtifacts.queryOptions({ entity, project, runId: id }),
  );
  useTitle(`Run ${run.data?.name ?? id}`, `${entity}/${project}`);
  if (run.isPending) return <Loading what={`run ${id}`} />;
  if (run.error) return <ErrorBox error={run.error} what={`Run ${id}`} />;
  const r = run.data;
  const duration = runDurationMs(r);
  return (
    <article>
      <h1>
        Run {r.name ?? r.id} <span className="chip">{r.state}</span>
      </h1>
      <p className="muted">
        id {r.id} · job type {r.jobType ?? "—"}
        {r.group ? ` · group ${r.group}` : ""}
        {r.sweep ? ` · sweep ${r.sweep}` : ""} · started {formatDate(r.createdAt)}
        {duration === null ? " · running" : ` · took ${formatDuration(duration)}`}
      </p>
      <p className="actions">
        <Link to={{ page: "lineage", entity, project, root: { kind: "run", id: r.id } }}>
          Lineage graph
        </Link>
      </p>
      <div className="columns">
        <section>
          <h2>Inputs</h2>
          {inputs.error ? <ErrorBox error={inputs.error} what="the inputs" /> : null}
          <VersionLinks versions={inputs.data} />
          <h2>Outputs</h2>
          {outputs.error ? <ErrorBox error={outputs.error} what="the outputs" /> : null}
          <VersionLinks versions={outputs.data} />
        </section>
        <section>
          <h2>Config</h2>
          <JsonView value={r.config} label="Config" />
          <h2>Summary</h2>
          <JsonView value={r.summary} label="Summary" />
        </section>
      </div>
    </article>
  );
}

function VersionLinks(props: { versions: Version[] | undefined }) {
  if (!props.versions) return <Loading />;
  if (props.versions.length === 0) return <p className="muted">none</p>;
  return (
    <ul className="version-links">
      {props.versions.map((v) => (
        <li key={v.id}>
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
          </Link>{" "}
          {v.aliases.map((a) => (
            <span key={a} className="chip">
              {a}
            </span>
          ))}
          <span className="muted">
            {v.type} · {formatBytes(v.size)}
          </span>
        </li>
      ))}
    </ul>
  );
}
