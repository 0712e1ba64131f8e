import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

/** Debian's Chromium, installed by `.ci/run` (playwright's own download is not used). */
export const CHROMIUM = process.env.CAIRN_CHROMIUM ?? "/usr/bin/chromium";

/** Fails with what to do when the browser is missing (tests never install packages). */
export function requireChromium(): void {
  if (existsSync(CHROMIUM)) return;
  throw new Error(
    `No Chromium at ${CHROMIUM}: run the suite through .ci/run (it installs Debian's chromium), install it with \`apt-get install -y chromium\`, or point CAIRN_CHROMIUM at a Chromium binary.`,
  );
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
/**
 * Where the suite writes its screenshots: a temp folder (a test never rewrites committed files).
 * `pnpm --filter @cairn/web screenshots` copies them into `docs/screenshots` for the README.
 */
export const SCREENSHOT_DIR =
  process.env.CAIRN_SCREENSHOT_DIR ?? join(tmpdir(), "cairn-web-screenshots");

function newestMtime(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return Math.max(info.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** Runs `vite build` unless `dist/index.html` is newer than every source of the app. */
export function buildIfStale(): void {
  const index = join(DIST, "index.html");
  const sources = ["src", "public", "index.html", "vite.config.ts"].map((p) => join(WEB_ROOT, p));
  const newest = Math.max(...sources.filter((p) => existsSync(p)).map(newestMtime));
  if (existsSync(index) && statSync(index).mtimeMs >= newest) return;
  execFileSync(join(WEB_ROOT, "node_modules", ".bin", "vite"), ["build", "--logLevel", "warn"], {
    cwd: WEB_ROOT,
    stdio: "inherit",
    // vitest sets NODE_ENV=test, which would make vite bundle React's development build.
    env: { ...process.env, NODE_ENV: "production" },
  });
}

/**
 * Collects what a page reports as broken: uncaught exceptions and console errors, except the
 * browser's own "Failed to load resource … status of 4xx" lines for answers a test expects
 * (a wrong key's 401, a missing project's 404). `take()` returns and clears them.
 */
export function watchConsole(page: Page): { take(): string[] } {
  let problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`exception: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = message.text();
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
    problems.push(`console.error: ${text}`);
  });
  return {
    take() {
      const out = problems;
      problems = [];
      return out;
    },
  };
}
