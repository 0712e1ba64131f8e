import { run } from "./processes.js";

/**
 * True when `restic` is on PATH. When it is missing, the Debian package is installed (the suite
 * must run on a fresh machine without manual steps) unless `BENCH_INSTALL_RESTIC=0`; if it is
 * still missing (no apt, no network), the scenario runs without its restic rows and says so.
 */
export async function ensureRestic(log: (message: string) => void): Promise<boolean> {
  if (await hasRestic()) return true;
  if (process.env.BENCH_INSTALL_RESTIC === "0") {
    log("restic not installed (BENCH_INSTALL_RESTIC=0): the restic rows are left out");
    return false;
  }
  log("restic not found: apt-get install -y restic");
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  const [cmd, ...args] = [...sudo, "apt-get", "install", "-y", "restic"];
  try {
    await run(cmd!, args, { DEBIAN_FRONTEND: "noninteractive" });
  } catch (error) {
    log(`could not install restic (${String(error).split("\n")[0]}): the restic rows are left out`);
  }
  return hasRestic();
}

async function hasRestic(): Promise<boolean> {
  try {
    await run("restic", ["version"]);
    return true;
  } catch {
    return false;
  }
}
