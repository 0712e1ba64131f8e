import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isCairnError } from "@cairn/core";
import { beforeAll, describe, expect, it } from "vitest";
import { createReferenceResolvers } from "../internal.js";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

describe("file:// references", () => {
  let dir: string;
  const resolvers = createReferenceResolvers();
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "cairn-fileref-"));
    await mkdir(join(dir, "set", "sub"), { recursive: true });
    await writeFile(join(dir, "set", "a.txt"), "alpha");
    await writeFile(join(dir, "set", "sub", "b.txt"), "beta");
  });

  it("a file records its SHA-256 and size", async () => {
    expect(await resolvers.resolve(`file://${dir}/set/a.txt`)).toEqual([
      { path: "a.txt", digest: sha("alpha"), size: 5, ref: `file://${dir}/set/a.txt` },
    ]);
  });

  it("a directory expands like addDir, within maxObjects", async () => {
    const entries = await resolvers.resolve(`file://${dir}/set`, { name: "data" });
    expect(entries.map((e) => [e.path, e.digest, e.ref])).toEqual([
      ["data/a.txt", sha("alpha"), `file://${dir}/set/a.txt`],
      ["data/sub/b.txt", sha("beta"), `file://${dir}/set/sub/b.txt`],
    ]);
    await expect(resolvers.resolve(`file://${dir}/set`, { maxObjects: 1 })).rejects.toSatisfy(
      (e) => isCairnError(e, "TOO_MANY_OBJECTS") && /2 files/.test((e as Error).message),
    );
    await expect(resolvers.resolve(`file://${dir}/set`, { maxObjects: 0 })).rejects.toSatisfy((e) =>
      isCairnError(e, "INVALID_INPUT"),
    );
  });

  it("copies on download and refuses a modified source", async () => {
    await writeFile(join(dir, "c.txt"), "gamma");
    const [entry] = await resolvers.resolve(`file://${dir}/c.txt`);
    await resolvers.download(entry!, join(dir, "out", "c.txt"));
    expect(await readFile(join(dir, "out", "c.txt"), "utf8")).toBe("gamma");
    await writeFile(join(dir, "c.txt"), "GAMMA");
    expect(await resolvers.verifyReference(entry!)).toMatchObject({ ok: false });
    await expect(resolvers.download(entry!, join(dir, "out", "c2.txt"))).rejects.toSatisfy((e) =>
      isCairnError(e, "DIGEST_MISMATCH"),
    );
  });

  it("a missing path is NOT_FOUND; an unsupported scheme is INVALID_URI", async () => {
    await expect(resolvers.resolve(`file://${dir}/missing`)).rejects.toSatisfy((e) =>
      isCairnError(e, "NOT_FOUND"),
    );
    await expect(resolvers.resolve("ftp://host/x")).rejects.toSatisfy((e) =>
      isCairnError(e, "INVALID_URI"),
    );
  });
});
