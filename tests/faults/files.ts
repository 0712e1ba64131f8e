import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Writes `count` small files `f<i>.txt` whose contents start with `tag`; returns `dir`. */
export async function writeFiles(dir: string, count: number, tag: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await Promise.all(
    Array.from({ length: count }, (_, i) => writeFile(join(dir, `f${i}.txt`), `${tag} ${i}\n`)),
  );
  return dir;
}
