import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, resolve, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { sendError } from "./http-errors.js";

/** Content types of what a built single-page app ships. */
const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
};

/**
 * Serves the built web app from `webDir`: an existing file as itself, and any other extension-less
 * GET path as `index.html`, so client-side routes (`/acme/vision/artifacts/cats`) survive a
 * reload. Paths are resolved inside `webDir` only; `..` can never escape it.
 */
export async function serveStatic(
  webDir: string,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<void> {
  const root = resolve(webDir);
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    sendError(res, 400, "BAD_REQUEST", "The URL path is not valid percent-encoding.");
    return;
  }
  const candidate = resolve(join(root, relative));
  const inside = candidate === root || candidate.startsWith(root + sep);
  const file = inside
    ? await fileAt(candidate === root ? join(root, "index.html") : candidate)
    : null;
  if (file) {
    await sendFile(req, res, file.path, file.size, file.path.endsWith("index.html"));
    return;
  }
  // Only extension-less paths are client routes; a missing /app.js must stay a 404, not HTML.
  if (extname(relative) === "") {
    const index = await fileAt(join(root, "index.html"));
    if (index) {
      await sendFile(req, res, index.path, index.size, true);
      return;
    }
  }
  sendError(
    res,
    404,
    "NOT_FOUND",
    `Nothing is served at ${pathname}: the API is at /trpc and bytes at /blobs/<digest>.`,
  );
}

async function fileAt(path: string): Promise<{ path: string; size: number } | null> {
  try {
    const info = await stat(path);
    return info.isFile() ? { path, size: info.size } : null;
  } catch {
    return null;
  }
}

async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  size: number,
  isIndex: boolean,
): Promise<void> {
  res.writeHead(200, {
    "content-type": CONTENT_TYPES[extname(path).toLowerCase()] ?? "application/octet-stream",
    "content-length": size,
    // index.html names the hashed bundles of the current build, so it must always be revalidated.
    "cache-control": isIndex ? "no-cache" : "public, max-age=3600",
  });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  await pipeline(createReadStream(path), res);
}
