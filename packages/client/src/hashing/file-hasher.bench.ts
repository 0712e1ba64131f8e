/**
 * Local benchmark (not a test): hashes N files of S bytes twice — cold, then through the digest
 * cache. Run: `cd /work/main && npx vitest bench --run --configLoader runner --project @cairn/client`.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileHasher } from "./file-hasher.js";

const files = Number(process.env.FILES ?? 10_000);
const size = Number(process.env.SIZE ?? 100 * 1024);
const root = mkdtempSync(join(tmpdir(), "cairn-hash-bench-"));
const dataDir = join(root, "data");
mkdirSync(dataDir);
const paths: string[] = [];
const past = new Date(Date.now() - 60_000);
for (let i = 0; i < files; i++) {
  const p = join(dataDir, `f${i}.bin`);
  const buf = Buffer.alloc(size, i % 251);
  buf.writeUInt32LE(i, 0);
  writeFileSync(p, buf);
  utimesSync(p, past, past);
  paths.push(p);
}
const hasher = createFileHasher({ cacheDir: join(root, "cache") });
let t = performance.now();
await hasher.hashFiles(paths);
console.log(`cold: ${files} x ${size} B in ${(performance.now() - t).toFixed(0)} ms`);
t = performance.now();
const again = await hasher.hashFiles(paths);
console.log(
  `warm (cache): ${(performance.now() - t).toFixed(0)} ms, cached=${again.filter((r) => r.cached).length}`,
);
await hasher.close();
const fresh = createFileHasher({ cacheDir: join(root, "cache") });
t = performance.now();
await fresh.hashFiles(paths);
console.log(`new process cache load + lookups: ${(performance.now() - t).toFixed(0)} ms`);
await fresh.close();
rmSync(root, { recursive: true, force: true });
