import { describe, expect, it } from "vitest";
import { hrefOf, parseHash, type Route } from "./router.js";

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
    },
    { page: "lineage", entity: "acme", project: "vision", root: { kind: "run", id: "r1" } },
    { page: "diff", entity: "acme", project: "vision", a: "cats:v0", b: "cats:latest" },
  ];

  it.each(routes)("round-trips $page", (route) => {
    expect(parseHash(hrefOf(route))).toEqual(route);
  });

  it("treats an empty hash as the project list and unknown shapes as not found", () => {
    expect(parseHash("")).toEqual({ page: "projects" });
    expect(parseHash("#/nope/x")).toEqual({ page: "not-found", hash: "#/nope/x" });
    expect(parseHash("#/p/acme/vision/lineage").page).toBe("not-found");
  });
});
