import type { IncomingMessage, ServerResponse } from "node:http";
import { createOpenApiDocument } from "../openapi/document.js";
import { appRouter } from "../root.js";
import { sendError } from "./http-errors.js";

/** Where the OpenAPI document is served. */
export const OPENAPI_PATH = "/openapi.json";

let cached: string | undefined;

/** The served document's text: built once per process from the router (the same as `dist/openapi.json`). */
export function openApiText(): string {
  cached ??= `${JSON.stringify(createOpenApiDocument(appRouter), null, 2)}\n`;
  return cached;
}

/** Serves `GET|HEAD /openapi.json`. */
export function serveOpenApi(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendError(res, 405, "METHOD_NOT_SUPPORTED", `Use GET ${OPENAPI_PATH}.`, { allow: "GET, HEAD" });
    return;
  }
  const text = openApiText();
  res.writeHead(200, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "public, max-age=300",
    "access-control-allow-origin": "*",
  });
  res.end(req.method === "HEAD" ? undefined : text);
}
