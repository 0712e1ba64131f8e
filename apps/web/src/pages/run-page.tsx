import { JsonView } from "../components/json-view.js";
import { ErrorBox, Loading } from "../components/status.js";
import { formatBytes, formatDate } from "../format.js";
import { useTrpcQuery } from "../query.js";
import { Link } from "../router.js";
import type { OutputOf } from "../trpc.js";

type Version = OutputOf<"artifacts.get">;

/** One run: config, summary, and the versions it used (inputs) and logged (outputs). */
export function RunPage(props: { entity: string; project: string; id: string }) {
  const { entity, project, id } = props;
  const run = useTrpcQuery("runs.get", { entity, project, id });
  const inputs = useTrpcQuery("lineage.usedArtifacts", { entity, project, runId: id });
  const outputs = useTrpcQuery("lineage.loggedArtifacts", { entity, project, runId: id });
  if (run.isPending) return <Loading what={`run ${id}`} />;
  if (run.error) return <ErrorBox error={run.error} />;
  const r = run.data;
  return (
    <article>
      <h1>
        Run {r.name ?? r.id} <span className="chip">{r.state}</span>
      </h1>
      <p className="muted">
        id {r.id} · job type {r.jobType ?? "—"}
        {r.group ? ` · group ${r.group}` : ""}
        {r.sweep ? ` · sweep ${r.sweep}` : ""} · created {formatDate(r.createdAt)}
      </p>
      <p className="actions">
        <Link to={{ page: "lineage", entity, project, root: { kind: "run", id: r.id } }}>
          Lineage graph
        </Link>
      </p>
      <div className="columns">
        <section>
          <h2>Inputs</h2>
          {inputs.error ? <ErrorBox error={inputs.error} /> : null}
          <VersionLinks versions={inputs.data} />
          <h2>Outputs</h2>
          {outputs.error ? <ErrorBox error={outputs.error} /> : null}
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
    <ul>
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
          <span className="muted">
            {v.type} · {formatBytes(v.size)}
          </span>
        </li>
      ))}
    </ul>
  );
}
