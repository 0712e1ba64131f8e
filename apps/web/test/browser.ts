import { execFileSync, execSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium (playwright's own download is not used: offline machines, pinned OS). */
export const CHROMIUM = "/usr/bin/chromium";

/** Installs Debian's `chromium` when missing (the test machine runs as root). */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  execSync("apt-get update && apt-get install -y chromium", {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get did not install ${CHROMIUM}`);
}

/** Launches headless Chromium with the flags a sandbox-less CI container needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** `apps/web`, from this file. */
export const WEB_ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Where `vite build` writes. */
export const DIST = join(WEB_ROOT, "dist");

function newestMtime(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** Runs `vite build` unless `dist/index.html` is newer than every source of the app. */
export function buildIfStale(): void {
  const index = join(DIST, "index.html");
  const sources = ["src", "index.html", "vite.config.ts"].map((p) => join(WEB_ROOT, p));
  const newest = Math.max(...sources.map(newestMtime));
  if (existsSync(index) && statSync(index).mtimeMs >= newest) return;
  execFileSync(join(WEB_ROOT, "node_modules", ".bin", "vite"), ["build", "--logLevel", "warn"], {
    cwd: WEB_ROOT,
    stdio: "inherit",
    // vitest sets NODE_ENV=test, which would make vite bundle React's development build.
    env: { ...process.env, NODE_ENV: "production" },
  });
}
