import { BUNDLE_MAX_BLOB_SIZE, BUNDLE_MAX_BLOBS, BUNDLE_MAX_BYTES } from "@cairn/core";

/**
 * The routes outside tRPC: the byte routes (bytes never travel through tRPC), bundles, health,
 * metrics and this document. Their URLs, with a signed token `t`, come from `blobs.missing`,
 * `artifacts.fileUrls` and `artifacts.fileUrlsBatch`; the token is their only credential.
 */

const digestParam = {
  name: "digest",
  in: "path",
  required: true,
  description: "Lowercase hex SHA-256 of the blob's bytes",
  schema: { type: "string", pattern: "^[0-9a-f]{64}$" },
};
const tokenParam = {
  name: "t",
  in: "query",
  required: true,
  description: "The signed byte token from the URL a procedure returned",
  schema: { type: "string" },
};
const byteError = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/ByteRouteError" } } },
});
const byteErrors = {
  "400": byteError("Malformed digest, token or body (`error.code` names the domain error)"),
  "401": byteError("Missing, expired or foreign token"),
  "404": byteError("No such blob"),
  "413": byteError("Body larger than the token allows"),
  "422": byteError("The bytes do not hash to the digest (DIGEST_MISMATCH)"),
  "503": byteError(
    "An engine or the blob store is unusable (STORAGE_UNAVAILABLE names the store and a request id); retry",
  ),
  "507": byteError(
    "The blob store is full (STORAGE_FULL, with the request id the server logged the cause under)",
  ),
};
const octets = { "application/octet-stream": { schema: { type: "string", format: "binary" } } };
const bundleFormat =
  'A bundle: one JSON header line `{"blobs":[{"digest":"<64 hex>","size":N},…]}` ended by "\\n", ' +
  `then every listed blob's bytes concatenated in header order. At most ${BUNDLE_MAX_BLOBS} blobs, ` +
  `${BUNDLE_MAX_BYTES} bytes, each blob at most ${BUNDLE_MAX_BLOB_SIZE} bytes.`;
const json = (schema: object) => ({ "application/json": { schema } });

/** Path items of the non-tRPC routes. */
export const BYTE_ROUTE_PATHS: Record<string, object> = {
  "/blobs/{digest}": {
    parameters: [digestParam, tokenParam],
    put: {
      operationId: "blobs.put",
      tags: ["bytes"],
      summary: "Upload one blob (URL from blobs.missing, `upload.kind` = put)",
      security: [{ byteToken: [] }],
      requestBody: { required: true, content: octets },
      responses: {
        "200": {
          description: "Stored and verified",
          content: json({
            type: "object",
            required: ["ok", "digest", "size"],
            properties: {
              ok: { const: true },
              digest: { type: "string" },
              size: { type: "integer" },
            },
          }),
        },
        ...byteErrors,
      },
    },
    get: {
      operationId: "blobs.get",
      tags: ["bytes"],
      summary: "Download one blob (URL from artifacts.fileUrls); honours `Range`",
      security: [{ byteToken: [] }],
      responses: {
        "200": { description: "The bytes", content: octets },
        "206": { description: "The requested range", content: octets },
        ...byteErrors,
      },
    },
    head: {
      operationId: "blobs.head",
      tags: ["bytes"],
      summary: "Size of one blob",
      security: [{ byteToken: [] }],
      responses: { "200": { description: "Headers only" }, ...byteErrors },
    },
  },
  "/blobs/{digest}/parts/{partNumber}": {
    parameters: [
      digestParam,
      {
        name: "partNumber",
        in: "path",
        required: true,
        schema: { type: "integer", minimum: 1 },
      },
      tokenParam,
    ],
    put: {
      operationId: "blobs.putPart",
      tags: ["bytes"],
      summary: "Upload one part of a multipart upload (`upload.kind` = multipart)",
      security: [{ byteToken: [] }],
      requestBody: { required: true, content: octets },
      responses: {
        "200": {
          description: "Part stored; pass its etag to blobs.complete",
          content: json({
            type: "object",
            required: ["ok", "etag"],
            properties: {
              ok: { const: true },
              etag: { type: "string" },
              size: { type: "integer" },
            },
          }),
        },
        ...byteErrors,
      },
    },
  },
  "/bundles/put": {
    post: {
      operationId: "bundles.put",
      tags: ["bytes"],
      summary: "Upload many small blobs at once (URL `bundle.url` from blobs.missing)",
      description: bundleFormat,
      parameters: [tokenParam],
      security: [{ byteToken: [] }],
      requestBody: { required: true, content: octets },
      responses: {
        "200": {
          description: "Every blob stored and verified",
          content: json({
            type: "object",
            required: ["ok", "blobs", "bytes"],
            properties: {
              ok: { const: true },
              blobs: { type: "integer" },
              bytes: { type: "integer" },
            },
          }),
        },
        ...byteErrors,
      },
    },
  },
  "/bundles/get": {
    post: {
      operationId: "bundles.get",
      tags: ["bytes"],
      summary:
        "Download many small blobs of one version (URL `bundle.url` from artifacts.fileUrlsBatch)",
      description: `The answer is ${bundleFormat}`,
      parameters: [tokenParam],
      security: [{ byteToken: [] }],
      requestBody: {
        required: true,
        content: json({
          type: "object",
          required: ["digests"],
          properties: {
            digests: {
              type: "array",
              maxItems: BUNDLE_MAX_BLOBS,
              items: { type: "string", pattern: "^[0-9a-f]{64}$" },
            },
          },
        }),
      },
      responses: { "200": { description: "A bundle", content: octets }, ...byteErrors },
    },
  },
  "/events": {
    get: {
      operationId: "events.stream",
      tags: ["operations"],
      summary:
        "A project's events as Server-Sent Events (`id` = seq, `event` = type, `data` = the event JSON as webhooks receive it); resumable with Last-Event-ID",
      security: [{}, { apiKey: [] }],
      parameters: [
        { name: "entity", in: "query", required: true, schema: { type: "string" } },
        { name: "project", in: "query", required: true, schema: { type: "string" } },
        {
          name: "Last-Event-ID",
          in: "header",
          required: false,
          description: "Resume after this event position (0 = the oldest kept)",
          schema: { type: "string", pattern: "^[0-9]{1,15}$" },
        },
      ],
      responses: {
        "200": {
          description: "The stream",
          content: { "text/event-stream": { schema: { type: "string" } } },
        },
        "400": byteError("Missing project or malformed Last-Event-ID"),
        "401": byteError("Malformed or unknown API key"),
        "404": byteError("No such project, or it is not readable by the caller"),
      },
    },
  },
  "/healthz": {
    get: {
      operationId: "healthz",
      tags: ["operations"],
      summary: "Liveness",
      security: [{}],
      responses: {
        "200": { description: "Alive", content: json({ type: "object" }) },
        "503": byteError("Shutting down"),
      },
    },
  },
  "/readyz": {
    get: {
      operationId: "readyz",
      tags: ["operations"],
      summary: "Readiness: database, blob store and queue answer",
      security: [{}],
      responses: {
        "200": { description: "Ready", content: json({ type: "object" }) },
        "503": { description: "Not ready", content: json({ type: "object" }) },
      },
    },
  },
  "/metrics": {
    get: {
      operationId: "metrics",
      tags: ["operations"],
      summary: "Prometheus metrics",
      security: [{}],
      responses: {
        "200": {
          description: "Text exposition format",
          content: { "text/plain": { schema: { type: "string" } } },
        },
      },
    },
  },
  "/openapi.json": {
    get: {
      operationId: "openapi",
      tags: ["operations"],
      summary: "This document",
      security: [{}],
      responses: { "200": { description: "OpenAPI 3.1", content: json({ type: "object" }) } },
    },
  },
};
