import * as crypto from "node:crypto";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hashFileSync } from "./hash-file-sync.js";

// Internal unit: the change detection is exercised with an fs whose stats move mid-read.
describe("hashFileSync", () => {
  const dir = mkdtempSync(join(tmpdir(), "cairn-hfs-"));
  const file = join(dir, "a.bin");
  const data = Buffer.alloc(10_000, 7);
  writeFileSync(file, data);

  it("hashes in chunks smaller than the file", () => {
    const result = hashFileSync(fs, crypto, file, Buffer.alloc(333));
    expect(result).toMatchObject({
      digest: createHash("sha256").update(data).digest("hex"),
      size: 10_000,
      changed: false,
    });
  });

  it("flags a file whose mtime moves while it is read", () => {
    let calls = 0;
    const moving = {
      ...fs,
      fstatSync: (fd: number) => {
        const s = fs.fstatSync(fd);
        calls++;
        return calls === 1
          ? s
          : Object.assign(Object.create(Object.getPrototypeOf(s)), s, { mtimeMs: s.mtimeMs + 5 });
      },
    } as typeof fs;
    expect(hashFileSync(moving, crypto, file, Buffer.alloc(4096))).toMatchObject({ changed: true });
  });

  it("flags a file replaced (renamed over) while it is read", () => {
    const replaced = {
      ...fs,
      statSync: ((p: fs.PathLike) => ({ ...fs.statSync(p), ino: -1 })) as typeof fs.statSync,
    } as typeof fs;
    expect(hashFileSync(replaced, crypto, file, Buffer.alloc(4096))).toMatchObject({
      changed: true,
    });
  });

  it("returns errors as data (so they cross the worker boundary)", () => {
    expect(hashFileSync(fs, crypto, join(dir, "missing"), Buffer.alloc(16))).toMatchObject({
      error: { code: "ENOENT" },
    });
    expect(hashFileSync(fs, crypto, dir, Buffer.alloc(16))).toHaveProperty("error");
  });
});
