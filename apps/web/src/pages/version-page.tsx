import type { ManifestEntry } from "@cairn/core";
import { useQuery } from "@tanstack/react-query";
import { EditVersion } from "../components/edit-version.js";
import { FilePreview } from "../components/file-preview.js";
import { FilesTree } from "../components/files-tree.js";
import { JsonView } from "../components/json-view.js";
import { ErrorBox, Loading } from "../components/status.js";
import { StorageSummary } from "../components/storage-summary.js";
import { UsageTab } from "../components/usage-tab.js";
import { formatBytes, formatDate, formatNumber } from "../format.js";
import { useTRPC } from "../query.js";
import { Link, navigate, type Route, useTitle, type VersionTab } from "../router.js";
import type { OutputOf } from "../trpc.js";

type Run = OutputOf<"runs.get">;
type Version = OutputOf<"artifacts.get">;
type VersionRoute = Extract<Route, { page: "version" }>;

/** Whether the caller's role lets them edit versions (a UI hint; the server decides). */
export function mayEdit(project: { role: string; visibility: string } | undefined): boolean {
  if (!project) return false;
  return (
    project.role === "admin" ||
    project.role === "member" ||
    (project.visibility === "open" && project.role === "user")
  );
}

const TAB_LABELS: Record<VersionTab, string> = {
  overview: "Overview",
  files: "Files",
  usage: "Usage",
};

/**
 * One version, in tabs: Overview (facts, metadata, runs, storage, editing), Files (tree with
 * search and a preview of the selected file) and Usage (copyable snippets for this version).
 * The tab and the previewed file live in the URL.
 */
export function VersionPage(props: { route: VersionRoute }) {
  const { entity, project, name } = props.route;
  const tab = props.route.tab ?? "overview";
  const ref = `${name}:${props.route.version}`;
  const trpc = useTRPC();
  const version = useQuery(trpc.artifacts.get.queryOptions({ entity, project, ref }));
  useTitle(ref, `${entity}/${project}`);
  if (version.isPending) return <Loading what={ref} />;
  if (version.error) return <ErrorBox error={version.error} what={`Version ${ref}`} />;
  const v = version.data;
  // Link by number: an alias in the URL (`latest`) may move while the page is open.
  const exact = `${v.name}:${v.version}`;
  const go = (change: Partial<VersionRoute>) =>
    navigate({ ...props.route, ...change }, { replace: true });
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
      <p className="muted">
        {v.type} · {formatBytes(v.size)} in {formatNumber(v.fileCount)} file
        {v.fileCount === 1 ? "" : "s"} · {formatDate(v.createdAt)}
      </p>
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
      <div role="tablist" aria-label="Version sections" className="tabs">
        {(Object.keys(TAB_LABELS) as VersionTab[]).map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            id={`tab-${t}`}
            aria-selected={tab === t}
            aria-controls={`panel-${t}`}
            className={tab === t ? "tab active" : "tab"}
            onClick={() => go({ tab: t })}
          >
            {TAB_LABELS[t]}
            {t === "files" ? ` (${formatNumber(v.fileCount)})` : ""}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "overview" ? <Overview version={v} /> : null}
        {tab === "files" ? (
          <FilesTab
            version={v}
            file={props.route.file ?? null}
            onSelect={(file) => go({ tab: "files", file: file ?? undefined })}
          />
        ) : null}
        {tab === "usage" ? (
          <UsageTab
            target={{
              origin: window.location.origin,
              entity,
              project,
              name: v.name,
              version: v.version,
            }}
          />
        ) : null}
      </div>
    </article>
  );
}

function Overview(props: { version: Version }) {
  const v = props.version;
  const { entity, project } = v;
  const selector = { entity, project, ref: `${v.name}:${v.version}` };
  const trpc = useTRPC();
  const projectInfo = useQuery(trpc.projects.get.queryOptions({ entity, project }));
  const loggedBy = useQuery(trpc.lineage.loggedBy.queryOptions(selector));
  const usedBy = useQuery(trpc.lineage.usedBy.queryOptions(selector));
  return (
    <div className="columns">
      <section aria-labelledby="facts-title">
        <h2 id="facts-title">Overview</h2>
        <dl className="facts">
          <dt>Type</dt>
          <dd>{v.type}</dd>
          <dt>Size</dt>
          <dd>
            {formatBytes(v.size)} in {formatNumber(v.fileCount)} file{v.fileCount === 1 ? "" : "s"}
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
        <StorageSummary entity={entity} project={project} ref={selector.ref} />
        {mayEdit(projectInfo.data) ? (
          <>
            <h2>Edit</h2>
            {/* Keyed by version only: alias or tag changes must not reset unsaved text. */}
            <EditVersion key={v.id} version={v} />
          </>
        ) : null}
      </section>
    </div>
  );
}

function FilesTab(props: {
  version: Version;
  file: string | null;
  onSelect: (path: string | null) => void;
}) {
  const v = props.version;
  const selector = { entity: v.entity, project: v.project, ref: `${v.name}:${v.version}` };
  const trpc = useTRPC();
  const entry = useQuery({
    ...trpc.artifacts.entry.queryOptions({ ...selector, path: props.file ?? "" }),
    enabled: props.file !== null,
  });
  return (
    <div className={props.file ? "files-with-preview" : undefined}>
      <FilesTree
        selector={selector}
        fileCount={v.fileCount}
        selected={props.file}
        onSelect={(e: ManifestEntry) => props.onSelect(e.path)}
      />
      {props.file ? (
        entry.error ? (
          <ErrorBox error={entry.error} what={props.file} />
        ) : entry.data ? (
          <FilePreview
            key={entry.data.path}
            selector={selector}
            entry={entry.data}
            onClose={() => props.onSelect(null)}
          />
        ) : (
          <Loading what={props.file} />
        )
      ) : null}
    </div>
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
