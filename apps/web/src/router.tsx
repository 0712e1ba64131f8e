import { type ReactNode, useEffect, useState } from "react";

/** Every page of the app, parsed from the URL hash. */
export type Route =
  | { page: "projects" }
  | { page: "project"; entity: string; project: string }
  | { page: "collection"; entity: string; project: string; name: string }
  | { page: "version"; entity: string; project: string; name: string; version: string }
  | { page: "run"; entity: string; project: string; id: string }
  | {
      page: "lineage";
      entity: string;
      project: string;
      root: { kind: "version"; ref: string } | { kind: "run"; id: string };
    }
  | { page: "diff"; entity: string; project: string; a: string; b: string }
  | { page: "not-found"; hash: string };

const enc = encodeURIComponent;

/**
 * The hash (`#/…`) of a route. Hash routing keeps every page reloadable from the static server
 * with no server-side route table.
 */
export function hrefOf(route: Route): string {
  switch (route.page) {
    case "projects":
      return "#/";
    case "project":
      return `#/p/${enc(route.entity)}/${enc(route.project)}`;
    case "collection":
      return `#/p/${enc(route.entity)}/${enc(route.project)}/a/${enc(route.name)}`;
    case "version":
      return `#/p/${enc(route.entity)}/${enc(route.project)}/a/${enc(route.name)}/${enc(route.version)}`;
    case "run":
      return `#/p/${enc(route.entity)}/${enc(route.project)}/runs/${enc(route.id)}`;
    case "lineage": {
      const root =
        route.root.kind === "version"
          ? `version=${enc(route.root.ref)}`
          : `run=${enc(route.root.id)}`;
      return `#/p/${enc(route.entity)}/${enc(route.project)}/lineage?${root}`;
    }
    case "diff":
      return `#/p/${enc(route.entity)}/${enc(route.project)}/diff?a=${enc(route.a)}&b=${enc(route.b)}`;
    case "not-found":
      return route.hash;
  }
}

/** Parses a location hash into a {@link Route} (unknown shapes → `not-found`). */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, "") || "/";
  const [pathPart = "/", queryPart = ""] = raw.split("?", 2);
  const query = new URLSearchParams(queryPart);
  const parts = pathPart.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: "projects" };
  const [p, entity, project, section, a, b] = parts;
  if (p !== "p" || !entity || !project) return { page: "not-found", hash };
  if (parts.length === 3) return { page: "project", entity, project };
  if (section === "a" && a && parts.length === 5)
    return { page: "collection", entity, project, name: a };
  if (section === "a" && a && b && parts.length === 6)
    return { page: "version", entity, project, name: a, version: b };
  if (section === "runs" && a && parts.length === 5) return { page: "run", entity, project, id: a };
  if (section === "lineage" && parts.length === 4) {
    const version = query.get("version");
    const run = query.get("run");
    if (version)
      return { page: "lineage", entity, project, root: { kind: "version", ref: version } };
    if (run) return { page: "lineage", entity, project, root: { kind: "run", id: run } };
  }
  if (section === "diff" && parts.length === 4)
    return { page: "diff", entity, project, a: query.get("a") ?? "", b: query.get("b") ?? "" };
  return { page: "not-found", hash };
}

/** The current route, following `hashchange`. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

/** Navigates to a route (adds a history entry). */
export function navigate(route: Route): void {
  window.location.hash = hrefOf(route);
}

/** A plain anchor to a route: real links, so middle-click, keyboard and screen readers work. */
export function Link(props: {
  to: Route;
  children: ReactNode;
  className?: string;
  title?: string;
}) {
  return (
    <a href={hrefOf(props.to)} className={props.className} title={props.title}>
      {props.children}
    </a>
  );
}
