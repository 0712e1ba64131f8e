import { run } from "./processes.js";

/**
 * Makes sure `restic` is on PATH, installing the Debian package when it is missing (the brief of
 * the suite: the comparison must run on a fresh machine without manual steps).
 */
export async function ensureRestic(log: (message: string) => void): Promise<void> {
  try {
    await run("restic", ["version"]);
    return;
  } catch {
    log("restic not found: apt-get install -y restic");
  }
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  const [cmd, ...args] = [...sudo, "apt-get", "install", "-y", "restic"];
  await run(cmd!, args, { DEBIAN_FRONTEND: "noninteractive" });
  await run("restic", ["version"]);
}
