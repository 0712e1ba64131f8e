import { EditVersion } from "../components/edit-version.js";
import { FilesTree } from "../components/files-tree.js";
import { JsonView } from "../components/json-view.js";
import { ErrorBox, Loading } from "../components/status.js";
import { StorageSummary } from "../components/storage-summary.js";
import { formatBytes, formatDate } from "../format.js";
import { useTrpcQuery } from "../query.js";
import { Link } from "../router.js";
import type { OutputOf } from "../trpc.js";

type Run = OutputOf<"runs.get">;

/** Whether the caller's role lets them edit versions (a UI hint; the server decides). */
export function mayEdit(project: { role: string; visibility: string } | undefined): boolean {
  if (!project) return false;
  return (
    project.role === "admin" ||
    project.role === "member" ||
    (project.visibility === "open" && project.role === "user")
  );
}

/**
 * One version: facts, aliases and tags, description, TTL, metadata, the runs that logged and
 * used it, its files, storage, and (when allowed) editing.
 */
export function VersionPage(props: {
  entity: string;
  project: string;
  name: string;
  version: string;
}) {
  const { entity, project, name } = props;
  const ref = `${name}:${props.version}`;
  const selector = { entity, project, ref };
  const version = useTrpcQuery("artifacts.get", selector);
  const projectInfo = useTrpcQuery("projects.get", { entity, project });
  const loggedBy = useTrpcQuery("lineage.loggedBy", selector);
  const usedBy = useTrpcQuery("lineage.usedBy", selector);

  if (version.isPending) return <Loading what={ref} />;
  if (version.error) return <ErrorBox error={version.error} />;
  const v = version.data;
  // Link by number: an alias in the URL (`latest`) may move while the page is open.
  const exact = `${v.name}:${v.version}`;
  return (
    <article aria-labelledby="version-title">
      <h1 id="version-title">
        {v.name}:{v.version}{" "}
        {v.aliases.map((a) => (
          <span key={a} className="chip" data-testid="alias">
            {a}
          </span>
        ))}
      </h1>
      <p className="actions">
        <Link to={{ page: "lineage", entity, project, root: { kind: "version", ref: exact } }}>
          Lineage graph
        </Link>
        {v.number > 0 ? (
          <Link to={{ page: "diff", entity, project, a: `${v.name}:v${v.number - 1}`, b: exact }}>
            Diff with v{v.number - 1}
          </Link>
        ) : null}
      </p>
      <div className="columns">
        <section aria-labelledby="facts-title">
          <h2 id="facts-title">Overview</h2>
          <dl className="facts">
            <dt>Type</dt>
            <dd>{v.type}</dd>
            <dt>Size</dt>
            <dd>
              {formatBytes(v.size)} in {v.fileCount} file{v.fileCount === 1 ? "" : "s"}
            </dd>
            <dt>Digest</dt>
            <dd className="mono small">{v.digest}</dd>
            <dt>Created</dt>
            <dd>{formatDate(v.createdAt)}</dd>
            <dt>State</dt>
            <dd>{v.state}</dd>
            <dt>TTL</dt>
            <dd>
              {v.ttl}
              {v.expiresAt ? ` (expires ${formatDate(v.expiresAt)})` : " (never expires)"}
            </dd>
            <dt>Tags</dt>
            <dd>
              {v.tags.length === 0 ? <span className="muted">none</span> : null}
              {v.tags.map((t) => (
                <span key={t} className="chip tag">
                  {t}
                </span>
              ))}
            </dd>
            <dt>Description</dt>
            <dd>{v.description ?? <span className="muted">none</span>}</dd>
          </dl>
          <h2>Metadata</h2>
          <JsonView value={v.metadata} label="Metadata" />
        </section>
        <section aria-labelledby="runs-title">
          <h2 id="runs-title">Runs</h2>
          <h3>Logged by</h3>
          <RunLinks runs={loggedBy.data ? [loggedBy.data] : []} pending={loggedBy.isPending} />
          <h3>Used by</h3>
          <RunLinks runs={usedBy.data ?? []} pending={usedBy.isPending} />
          <h2>Storage</h2>
          <StorageSummary entity={entity} project={project} ref={exact} />
          {mayEdit(projectInfo.data) ? (
            <>
              <h2>Edit</h2>
              <EditVersion key={`${v.id}:${v.aliases.join()}:${v.tags.join()}`} version={v} />
            </>
          ) : null}
        </section>
      </div>
      <section aria-labelledby="files-title">
        <h2 id="files-title">Files</h2>
        <FilesTree entity={entity} project={project} ref={exact} />
      </section>
    </article>
  );
}

function RunLinks(props: { runs: Run[]; pending: boolean }) {
  if (props.pending) return <Loading what="runs" />;
  if (props.runs.length === 0) return <p className="muted">none</p>;
  return (
    <ul>
      {props.runs.map((r) => (
        <li key={`${r.entity}/${r.project}/${r.id}`}>
          <Link to={{ page: "run", entity: r.entity, project: r.project, id: r.id }}>
            {r.name ?? r.id}
          </Link>{" "}
          <span className="muted">
            {r.jobType ?? "no job type"} · {r.state}
          </span>
        </li>
      ))}
    </ul>
  );
}
