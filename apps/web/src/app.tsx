import { useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useRef, useSyncExternalStore } from "react";
import { ANONYMOUS, type ApiKeyStore } from "./api-key-store.js";
import { Loading } from "./components/status.js";
import { CollectionPage } from "./pages/collection-page.js";
import { DiffPage } from "./pages/diff-page.js";
import { ProjectPage } from "./pages/project-page.js";
import { ProjectsPage } from "./pages/projects-page.js";
import { RunPage } from "./pages/run-page.js";
import { SignInPage } from "./pages/sign-in-page.js";
import { VersionPage } from "./pages/version-page.js";
import { useTrpcQuery } from "./query.js";
import { hrefOf, Link, type Route, useRoute } from "./router.js";
import { errorCodeOf } from "./trpc.js";

// The graph view (React Flow + dagre) is most of the bundle: load it only when a graph is opened.
const LineagePage = lazy(() =>
  import("./pages/lineage-page.js").then((m) => ({ default: m.LineagePage })),
);

/** The app shell: sign-in gate, header with who is signed in, and the routed page. */
export function App(props: { keys: ApiKeyStore }) {
  const { keys } = props;
  const key = useSyncExternalStore(keys.subscribe, keys.get);
  const queryClient = useQueryClient();
  const signOut = () => {
    keys.set(null);
    queryClient.clear();
  };
  if (key === null) {
    return (
      <SignInPage
        onSignIn={(k) => {
          queryClient.clear();
          keys.set(k);
        }}
      />
    );
  }
  return <SignedIn anonymous={key === ANONYMOUS} onSignOut={signOut} />;
}

function SignedIn(props: { anonymous: boolean; onSignOut: () => void }) {
  const route = useRoute();
  const whoami = useTrpcQuery("accounts.whoami", undefined, { enabled: !props.anonymous });
  const { onSignOut } = props;
  // A revoked or mistyped key: back to the sign-in page rather than a page of errors.
  useEffect(() => {
    if (whoami.error && errorCodeOf(whoami.error) === "UNAUTHORIZED") onSignOut();
  }, [whoami.error, onSignOut]);
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
        <span className="muted" data-testid="whoami">
          {props.anonymous
            ? "anonymous"
            : whoami.data
              ? `${whoami.data.user.name}${whoami.data.isSiteAdmin ? " (site admin)" : ""}`
              : "…"}
        </span>
        <button type="button" onClick={props.onSignOut}>
          Sign out
        </button>
      </header>
      <MainArea route={route} />
    </>
  );
}

function MainArea(props: { route: Route }) {
  const ref = useRef<HTMLElement>(null);
  // Move focus to the new page so keyboard and screen-reader users land on its content.
  const routeKey = hrefOf(props.route);
  useEffect(() => {
    if (routeKey) ref.current?.focus();
  }, [routeKey]);
  return (
    <main id="main" ref={ref} tabIndex={-1}>
      <Suspense fallback={<Loading />}>
        <Page route={props.route} />
      </Suspense>
    </main>
  );
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
      return (
        <VersionPage entity={r.entity} project={r.project} name={r.name} version={r.version} />
      );
    case "run":
      return <RunPage entity={r.entity} project={r.project} id={r.id} />;
    case "lineage":
      return <LineagePage key={hrefOf(r)} entity={r.entity} project={r.project} root={r.root} />;
    case "diff":
      return <DiffPage entity={r.entity} project={r.project} a={r.a} b={r.b} />;
    case "not-found":
      return (
        <section>
          <h1>Page not found</h1>
          <p>
            Nothing lives at <code>{r.hash}</code>.{" "}
            <Link to={{ page: "projects" }}>All projects</Link>
          </p>
        </section>
      );
    default:
      return <Loading />;
  }
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
  if (r.page === "version") crumbs.push({ to: r, label: r.version });
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
