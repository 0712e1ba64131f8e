import { chmod, mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/**
 * Writes the first admin API key to `path`, readable by the owner only (0600). `chmod` follows the
 * write because `mode` only applies when the file is created: a stale file from an earlier
 * deployment whose database was reset must not keep looser permissions.
 */
export async function writeAdminKeyFile(path: string, apiKey: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, `${apiKey}\n`, { mode: 0o600 });
  await chmod(path, 0o600);
}
