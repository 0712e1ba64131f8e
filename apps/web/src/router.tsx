import { type ReactNode, useEffect, useState } from "react";

/** The tabs of a version page. */
export type VersionTab = "overview" | "files" | "usage";

/** A lineage view's settings, kept in the URL so a reload or a shared link shows the same graph. */
export interface LineageView {
  mode: "collapsed" | "exploded";
  depth: number;
  maxNodes: number;
  /** Expanded nodes as `lineage.graph` roots: `v:<entity>/<project>/<name>:<vN>`, `r:<entity>/<project>/<id>`. */
  expanded: string[];
}

/** Defaults of {@link LineageView}: left out of the URL. */
export const DEFAULT_LINEAGE_VIEW: LineageView = {
  mode: "exploded",
  depth: 3,
  maxNodes: 250,
  expanded: [],
};

type LineageRoot = { kind: "version"; ref: string } | { kind: "run"; id: string };

/** Every page of the app, parsed from the URL hash. */
export type Route =
  | { page: "projects" }
  | { page: "project"; entity: string; project: string }
  | { page: "collection"; entity: string; project: string; name: string }
  | {
      page: "version";
      entity: string;
      project: string;
      name: string;
      version: string;
      tab?: VersionTab;
      /** The file shown in the preview (files tab). */
      file?: string;
    }
  | { page: "run"; entity: string; project: string; id: string }
  | {
      page: "lineage";
      entity: string;
      project: string;
      root: LineageRoot;
      view?: LineageView;
    }
  | { page: "diff"; entity: string; project: string; a: string; b: string }
  | { page: "hooks"; entity: string; project: string }
  | { page: "not-found"; hash: string };

const enc = encodeURIComponent;

function queryOf(params: Array<[string, string | number | undefined]>): string {
  const kept = params.filter((p): p is [string, string | number] => p[1] !== undefined);
  return kept.length === 0 ? "" : `?${kept.map(([k, v]) => `${k}=${enc(String(v))}`).join("&")}`;
}

function lineageQuery(root: LineageRoot, view: LineageView | undefined): string {
  const v = view ?? DEFAULT_LINEAGE_VIEW;
  const d = DEFAULT_LINEAGE_VIEW;
  return queryOf([
    root.kind === "version" ? ["version", root.ref] : ["run", root.id],
    ["mode", v.mode === d.mode ? undefined : v.mode],
    ["depth", v.depth === d.depth ? undefined : v.depth],
    ["max", v.maxNodes === d.maxNodes ? undefined : v.maxNodes],
    ...v.expanded.map((x): [string, string] => ["x", x]),
  ]);
}

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
      return `#/p/${enc(route.entity)}/${enc(route.project)}/a/${enc(route.name)}/${enc(route.version)}${queryOf(
        [
          ["tab", route.tab === "overview" ? undefined : route.tab],
          ["file", route.file],
        ],
      )}`;
    case "run":
      return `#/p/${enc(route.entity)}/${enc(route.project)}/runs/${enc(route.id)}`;
    case "lineage":
      return `#/p/${enc(route.entity)}/${enc(route.project)}/lineage${lineageQuery(route.root, route.view)}`;
    case "diff":
      return `#/p/${enc(route.entity)}/${enc(route.project)}/diff?a=${enc(route.a)}&b=${enc(route.b)}`;
    case "hooks":
      return `#/p/${enc(route.entity)}/${enc(route.project)}/hooks`;
    case "not-found":
      return route.hash;
  }
}

const TABS: readonly VersionTab[] = ["overview", "files", "usage"];

function intIn(text: string | null, allowed: (n: number) => boolean, fallback: number): number {
  const n = Number(text);
  return text !== null && Number.isInteger(n) && allowed(n) ? n : fallback;
}

function parseLineageView(query: URLSearchParams): LineageView {
  const d = DEFAULT_LINEAGE_VIEW;
  return {
    mode: query.get("mode") === "collapsed" ? "collapsed" : "exploded",
    depth: intIn(query.get("depth"), (n) => n >= 0 && n <= 10, d.depth),
    maxNodes: intIn(query.get("max"), (n) => n >= 1 && n <= 2000, d.maxNodes),
    expanded: query.getAll("x").filter((x) => /^[vr]:[^/]+\/[^/]+\/.+$/.test(x)),
  };
}

/** Parses a location hash into a {@link Route} (unknown shapes → `not-found`). */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, "") || "/";
  const cut = raw.indexOf("?");
  const pathPart = cut < 0 ? raw : raw.slice(0, cut);
  const query = new URLSearchParams(cut < 0 ? "" : raw.slice(cut + 1));
  const parts = pathPart.split("/").filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { page: "projects" };
  const [p, entity, project, section, a, b] = parts;
  if (p !== "p" || !entity || !project) return { page: "not-found", hash };
  if (parts.length === 3) return { page: "project", entity, project };
  if (section === "a" && a && parts.length === 5)
    return { page: "collection", entity, project, name: a };
  if (section === "a" && a && b && parts.length === 6) {
    const tab = query.get("tab") as VersionTab | null;
    const file = query.get("file");
    return {
      page: "version",
      entity,
      project,
      name: a,
      version: b,
      ...(tab && TABS.includes(tab) ? { tab } : {}),
      ...(file ? { file } : {}),
    };
  }
  if (section === "runs" && a && parts.length === 5) return { page: "run", entity, project, id: a };
  if (section === "lineage" && parts.length === 4) {
    const version = query.get("version");
    const run = query.get("run");
    const view = parseLineageView(query);
    if (version)
      return { page: "lineage", entity, project, root: { kind: "version", ref: version }, view };
    if (run) return { page: "lineage", entity, project, root: { kind: "run", id: run }, view };
  }
  if (section === "hooks" && parts.length === 4) return { page: "hooks", entity, project };
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

/**
 * Navigates to a route: a new history entry, or with `replace` the current one (view settings
 * such as a tab or a graph depth, which Back should not step through one by one).
 */
export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const href = hrefOf(route);
  if (options.replace) window.location.replace(href);
  else window.location.hash = href;
}

/** Sets the tab's title to `parts` joined, then "Cairn" (so tabs and history are tellable apart). */
export function useTitle(...parts: Array<string | null | undefined>): void {
  const title = [...parts.filter(Boolean), "Cairn"].join(" · ");
  useEffect(() => {
    document.title = title;
  }, [title]);
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
