import { useQuery, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { ANONYMOUS, type ApiKeyStore } from "./api-key-store.js";
import { Loading } from "./components/status.js";
import { CollectionPage } from "./pages/collection-page.js";
import { DiffPage } from "./pages/diff-page.js";
import { HooksPage } from "./pages/hooks-page.js";
import { ProjectPage } from "./pages/project-page.js";
import { ProjectsPage } from "./pages/projects-page.js";
import { RunPage } from "./pages/run-page.js";
import { SignInPage } from "./pages/sign-in-page.js";
import { VersionPage } from "./pages/version-page.js";
import { useTRPC } from "./query.js";
import { hrefOf, Link, type Route, useRoute, useTitle } from "./router.js";
import { SessionContext } from "./session.js";
import { errorCodeOf } from "./trpc.js";

// The graph view (React Flow + dagre) is most of the bundle: load it only when a graph is opened.
const LineagePage = lazy(() =>
  import("./pages/lineage-page.js").then((m) => ({ default: m.LineagePage })),
);

/** Shown on the sign-in page when the server refused the key that was tried. */
const REFUSED_KEY =
  "The server did not accept that API key: it may be mistyped, revoked or for another server. Paste the whole key again.";

/** The app shell: sign-in gate, header with who is signed in, and the routed page. */
export function App(props: { keys: ApiKeyStore }) {
  const { keys } = props;
  const key = useSyncExternalStore(keys.subscribe, keys.get);
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<string | null>(null);
  const signOut = (reason: string | null = null) => {
    keys.set(null);
    queryClient.clear();
    setProblem(reason);
  };
  if (key === null) {
    return (
      <SignInPage
        problem={problem}
        onSignIn={(k) => {
          queryClient.clear();
          setProblem(null);
          keys.set(k);
        }}
      />
    );
  }
  return (
    <SessionContext.Provider value={{ anonymous: key === ANONYMOUS }}>
      <SignedIn
        anonymous={key === ANONYMOUS}
        onSignOut={() => signOut()}
        onRefused={() => signOut(REFUSED_KEY)}
      />
    </SessionContext.Provider>
  );
}

function SignedIn(props: { anonymous: boolean; onSignOut: () => void; onRefused: () => void }) {
  const route = useRoute();
  const trpc = useTRPC();
  const whoami = useQuery({
    ...trpc.accounts.whoami.queryOptions(),
    enabled: !props.anonymous,
  });
  const { onRefused } = props;
  // A revoked or mistyped key: back to the sign-in page, saying why.
  useEffect(() => {
    if (whoami.error && errorCodeOf(whoami.error) === "UNAUTHORIZED") onRefused();
  }, [whoami.error, onRefused]);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <a href={hrefOf({ page: "projects" })} className="brand">
          Cairn
        </a>
        <Breadcrumbs route={route} />
        <span className="spacer" />
        <a href="/openapi.json" className="muted" title="The HTTP API described as OpenAPI 3.1">
          API
        </a>
        <span className="muted whoami" data-testid="whoami">
          {props.anonymous
            ? "anonymous"
            : whoami.data
              ? `${whoami.data.user.name}${whoami.data.isSiteAdmin ? " (site admin)" : ""}`
              : "…"}
        </span>
        <button type="button" onClick={props.onSignOut}>
          {props.anonymous ? "Sign in" : "Sign out"}
        </button>
      </header>
      <MainArea route={route} />
    </>
  );
}

function MainArea(props: { route: Route }) {
  const ref = useRef<HTMLElement>(null);
  // Move focus to the new page so keyboard and screen-reader users land on its content (not on
  // view changes within a page: a tab switch or a graph setting keeps focus where it is).
  const pageKey = pageKeyOf(props.route);
  useEffect(() => {
    if (pageKey) ref.current?.focus();
  }, [pageKey]);
  return (
    <main id="main" ref={ref} tabIndex={-1}>
      <Suspense fallback={<Loading />}>
        <Page route={props.route} />
      </Suspense>
    </main>
  );
}

/** The part of a route that names a page (not its tab, file or graph settings). */
function pageKeyOf(r: Route): string {
  if (r.page === "version") return hrefOf({ ...r, tab: "overview", file: undefined } as Route);
  if (r.page === "lineage") {
    const { view: _view, ...rest } = r;
    return hrefOf(rest);
  }
  return hrefOf(r);
}

function Page(props: { route: Route }) {
  const r = props.route;
  switch (r.page) {
    case "projects":
      return <ProjectsPage />;
    case "project":
      return <ProjectPage entity={r.entity} project={r.project} />;
    case "collection":
      return <CollectionPage entity={r.entity} project={r.project} name={r.name} />;
    case "version":
      return <VersionPage route={r} />;
    case "run":
      return <RunPage entity={r.entity} project={r.project} id={r.id} />;
    case "lineage":
      return <LineagePage key={pageKeyOf(r)} route={r} />;
    case "diff":
      return <DiffPage entity={r.entity} project={r.project} a={r.a} b={r.b} />;
    case "hooks":
      return <HooksPage entity={r.entity} project={r.project} />;
    case "not-found":
      return <NotFound hash={r.hash} />;
    default:
      return <Loading />;
  }
}

function NotFound(props: { hash: string }) {
  useTitle("Page not found");
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{props.hash}</code>.{" "}
        <Link to={{ page: "projects" }}>All projects</Link>
      </p>
    </section>
  );
}

function Breadcrumbs(props: { route: Route }) {
  const r = props.route;
  if (r.page === "projects" || r.page === "not-found") return null;
  const crumbs: Array<{ to: Route; label: string }> = [
    {
      to: { page: "project", entity: r.entity, project: r.project },
      label: `${r.entity}/${r.project}`,
    },
  ];
  if (r.page === "collection" || r.page === "version")
    crumbs.push({
      to: { page: "collection", entity: r.entity, project: r.project, name: r.name },
      label: r.name,
    });
  if (r.page === "version")
    crumbs.push({
      to: {
        page: "version",
        entity: r.entity,
        project: r.project,
        name: r.name,
        version: r.version,
      },
      label: r.version,
    });
  return (
    <nav aria-label="Breadcrumbs" className="crumbs">
      {crumbs.map((c) => (
        <span key={hrefOf(c.to)}>
          {" / "}
          <Link to={c.to}>{c.label}</Link>
        </span>
      ))}
    </nav>
  );
}
