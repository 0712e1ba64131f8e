import { expect, it } from "vitest";
import { clientFor, type Harness, newUser, uniqueName } from "./http.test-helpers.js";

const WRITERS = 20;

/**
 * Many commits to one collection at once, each its own HTTP request: version numbers must be
 * distinct and gap-free, and identical contents must collapse into a single version.
 */
export function registerConcurrencyTests(current: () => Harness): void {
  it(`${WRITERS} concurrent logs: distinct contents → v0..v${WRITERS - 1}; identical → one version`, async () => {
    const harness = current();
    const owner = await newUser(harness, clientFor(harness, harness.server.adminKey), "conc");
    const P = { entity: owner.name, project: uniqueName("p") };
    await owner.client.api.projects.create.mutate({ entity: P.entity, name: P.project });
    // Reference entries need no uploaded bytes, so the race is purely about committing.
    const entry = (i: number | string) => ({
      path: "data.csv",
      digest: `d-${i}`,
      size: 1,
      ref: `s3://bucket/data-${i}.csv`,
    });
    // One client per writer: separate HTTP requests, not one batch.
    const writers = Array.from({ length: WRITERS }, () => clientFor(harness, owner.key));

    const distinct = await Promise.all(
      writers.map((w, i) =>
        w.api.artifacts.log.mutate({ ...P, name: "race", type: "dataset", entries: [entry(i)] }),
      ),
    );
    expect(distinct.every((r) => r.created)).toBe(true);
    expect(distinct.map((r) => r.version.number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: WRITERS }, (_, i) => i),
    );
    expect(new Set(distinct.map((r) => r.version.digest)).size).toBe(WRITERS);
    const listed = await owner.client.api.artifacts.listVersions.query({
      ...P,
      name: "race",
      limit: 100,
    });
    expect(listed.versions).toHaveLength(WRITERS);

    const same = await Promise.all(
      writers.map((w) =>
        w.api.artifacts.log.mutate({ ...P, name: "same", type: "dataset", entries: [entry("x")] }),
      ),
    );
    expect(same.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(same.map((r) => r.version.id)).size).toBe(1);
    expect(same[0]?.version.version).toBe("v0");
    const one = await owner.client.api.artifacts.listVersions.query({ ...P, name: "same" });
    expect(one.versions).toHaveLength(1);
  });
}
