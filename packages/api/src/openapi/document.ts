import { createRequire } from "node:module";
import { ERROR_CODES } from "@cairn/core";
import type { AnyTRPCRouter } from "@trpc/server";
import { z } from "zod";
import { BYTE_ROUTE_PATHS } from "./byte-routes.js";
import { type DocumentedError, documentedErrors } from "./error-statuses.js";
import { type JsonSchema, SchemaCollector } from "./json-schema.js";
import { type DescribedProcedure, describeProcedures } from "./procedures.js";

const { version } = createRequire(import.meta.url)("../../package.json") as { version: string };

/** The tRPC error envelope: `{ error: { message, code, data } }` (see trpc.ts's errorFormatter). */
function trpcErrorSchema(errors: DocumentedError[]): JsonSchema {
  return {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["message", "code", "data"],
        properties: {
          message: { type: "string", description: "What is wrong and how to fix it" },
          code: { type: "integer", description: "JSON-RPC error number" },
          data: {
            type: "object",
            required: ["code", "httpStatus", "domainCode", "zodError"],
            properties: {
              code: { type: "string", enum: [...new Set(errors.map((e) => e.trpcCode))].sort() },
              httpStatus: { type: "integer" },
              path: { type: "string" },
              domainCode: {
                description: "The Cairn error code, when a domain rule refused the call",
                anyOf: [{ type: "string", enum: [...ERROR_CODES] }, { type: "null" }],
              },
              zodError: {
                description: "Which input fields were invalid, when the input failed its schema",
                anyOf: [
                  {
                    type: "object",
                    properties: {
                      formErrors: { type: "array", items: { type: "string" } },
                      fieldErrors: {
                        type: "object",
                        additionalProperties: { type: "array", items: { type: "string" } },
                      },
                    },
                  },
                  { type: "null" },
                ],
              },
            },
          },
        },
      },
    },
  };
}

/** `{ result: { data } }`: a tRPC success envelope around `data`. */
function resultOf(data: JsonSchema): JsonSchema {
  return {
    type: "object",
    required: ["result"],
    properties: { result: { type: "object", properties: { data } } },
  };
}

function errorResponses(errors: DocumentedError[]): Record<string, object> {
  const byStatus = new Map<number, string[]>();
  for (const e of errors)
    byStatus.set(e.httpStatus, [...(byStatus.get(e.httpStatus) ?? []), e.code]);
  const responses: Record<string, object> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: `Error: ${codes.join(", ")}`,
      content: { "application/json": { schema: { $ref: "#/components/schemas/TrpcError" } } },
    };
  }
  return responses;
}

function inputSchemaOf(
  procedure: DescribedProcedure,
  schemas: SchemaCollector,
): {
  schema: JsonSchema;
  required: boolean;
} | null {
  if (procedure.inputs.length === 0) return null;
  const parts = procedure.inputs.map((input) => schemas.convert(input, "input"));
  const required = procedure.inputs.every((input) => !input.safeParse(undefined).success);
  return { schema: parts.length === 1 ? (parts[0] as JsonSchema) : { allOf: parts }, required };
}

function operationOf(
  procedure: DescribedProcedure,
  schemas: SchemaCollector,
  errors: Record<string, object>,
): object {
  const input = inputSchemaOf(procedure, schemas);
  const output = schemas.convert(procedure.output, "output");
  const operation: Record<string, unknown> = {
    operationId: procedure.path,
    tags: [procedure.path.split(".")[0]],
    summary: `${procedure.type === "query" ? "Query" : "Mutation"} ${procedure.path}`,
    security: procedure.authenticated ? [{ apiKey: [] }] : [{}, { apiKey: [] }],
    responses: {
      "200": {
        description: "`result.data` is the answer",
        content: { "application/json": { schema: resultOf(output) } },
      },
      ...errors,
    },
  };
  if (input && procedure.type === "query") {
    operation.parameters = [
      {
        name: "input",
        in: "query",
        required: input.required,
        description: "The input as JSON (URL-encoded)",
        content: { "application/json": { schema: input.schema } },
      },
    ];
  } else if (input) {
    operation.requestBody = {
      required: input.required,
      content: { "application/json": { schema: input.schema } },
    };
  }
  return { [procedure.type === "query" ? "get" : "post"]: operation };
}

/**
 * The OpenAPI 3.1 document of the HTTP API as served: every procedure of `router` at
 * `/trpc/<path>` (queries as GET with `?input=<JSON>`, mutations as POST with a JSON body), their
 * zod schemas as JSON Schema, the success and error envelopes with the status of every error
 * code, the byte and bundle routes, and authentication.
 */
export function createOpenApiDocument(router: AnyTRPCRouter): Record<string, unknown> {
  const schemas = new SchemaCollector();
  const errors = documentedErrors();
  const responses = errorResponses(errors);
  const paths: Record<string, object> = {};
  for (const procedure of describeProcedures(router)) {
    paths[`/trpc/${procedure.path}`] = operationOf(procedure, schemas, responses);
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Cairn API",
      version,
      description:
        "Cairn's HTTP API. Procedures are tRPC over HTTP (no transformer): a query is " +
        "`GET /trpc/<path>?input=<URL-encoded JSON>`, a mutation `POST /trpc/<path>` with the input " +
        "as JSON body; answers are `{result:{data}}` or `{error:{message,code,data}}`. Bytes go " +
        "to the URLs procedures return (byte and bundle routes), never through tRPC.",
    },
    servers: [{ url: "/" }],
    "x-cairn-errors": errors,
    paths: { ...paths, ...BYTE_ROUTE_PATHS },
    components: {
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description: "An API key `cairn_<keyId>_<secret>` (CAIRN_API_KEY, `cairn login`)",
        },
        byteToken: {
          type: "apiKey",
          in: "query",
          name: "t",
          description: "A signed byte token, part of a URL a procedure returned",
        },
      },
      schemas: {
        ...schemas.components,
        TrpcError: trpcErrorSchema(errors),
        ByteRouteError: schemas.convert(
          z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
          "output",
        ),
      },
    },
  };
}
