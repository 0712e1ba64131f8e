import { describe, expect, it } from "vitest";
import { DEFAULT_LINEAGE_VIEW, hrefOf, parseHash, type Route } from "./router.js";

describe("hash routes", () => {
  const routes: Route[] = [
    { page: "projects" },
    { page: "project", entity: "acme", project: "vision" },
    { page: "collection", entity: "acme", project: "vision", name: "cats" },
    { page: "version", entity: "acme", project: "vision", name: "cats", version: "v3" },
    { page: "run", entity: "acme", project: "vision", id: "run/odd id" },
    {
      page: "lineage",
      entity: "acme",
      project: "vision",
      root: { kind: "version", ref: "cats:v3" },
      view: DEFAULT_LINEAGE_VIEW,
    },
    {
      page: "lineage",
      entity: "acme",
      project: "vision",
      root: { kind: "run", id: "r1" },
      view: {
        mode: "collapsed",
        depth: 1,
        maxNodes: 25,
        expanded: ["v:acme/vision/cats:v3", "r:acme/vision/train 1"],
      },
    },
    {
      page: "version",
      entity: "acme",
      project: "vision",
      name: "cats",
      version: "v3",
      tab: "files",
      file: "images/a b&c.png",
    },
    { page: "diff", entity: "acme", project: "vision", a: "cats:v0", b: "cats:latest" },
  ];

  it.each(routes)("round-trips $page", (route) => {
    expect(parseHash(hrefOf(route))).toEqual(route);
  });

  it("treats an empty hash as the project list and unknown shapes as not found", () => {
    expect(parseHash("")).toEqual({ page: "projects" });
    expect(parseHash("#/nope/x")).toEqual({ page: "not-found", hash: "#/nope/x" });
    expect(parseHash("#/p/acme/vision/lineage").page).toBe("not-found");
    // Out-of-range view settings fall back to the defaults instead of breaking the page.
    expect(parseHash("#/p/a/b/lineage?run=r&depth=99&max=-1&x=junk")).toMatchObject({
      view: DEFAULT_LINEAGE_VIEW,
    });
  });
});
