import { isDeepStrictEqual } from "node:util";
import { z } from "zod";

/** A JSON Schema object (2020-12, the dialect of OpenAPI 3.1). */
export type JsonSchema = Record<string, unknown>;

/**
 * Converts zod schemas to JSON Schema for one OpenAPI document: named and recursive definitions
 * (`$defs`) move to `components.schemas` (identical ones shared, clashing names numbered) and
 * every `$ref` is rewritten to point there.
 */
export class SchemaCollector {
  readonly components: Record<string, JsonSchema> = {};

  /** JSON Schema of `schema` as the server reads it (`input`) or answers it (`output`). */
  convert(schema: z.ZodType, io: "input" | "output"): JsonSchema {
    const converted = z.toJSONSchema(schema, {
      io,
      target: "draft-2020-12",
      unrepresentable: "any",
    }) as JsonSchema;
    delete converted.$schema;
    const defs = (converted.$defs ?? {}) as Record<string, JsonSchema>;
    delete converted.$defs;
    // Names first as they are (zod's recursive `z.json()` becomes `JsonValue`, other anonymous
    // definitions `Schema<n>`), then a numbered name only for a definition that differs from a
    // component already holding that name.
    const renamed = new Map<string, string>();
    for (const [name, def] of Object.entries(defs)) {
      const anonymous = name.startsWith("__");
      const base = anonymous ? (isJsonValue(def) ? "JsonValue" : "Schema") : name;
      renamed.set(name, base.replace(/[^A-Za-z0-9_.-]/g, "_"));
    }
    for (const [name, def] of Object.entries(defs)) {
      const base = renamed.get(name) as string;
      let target = base;
      for (let n = 2; ; n += 1) {
        const existing = this.components[target];
        if (existing === undefined || isDeepStrictEqual(existing, rewriteRefs(def, renamed))) break;
        target = `${base}${n}`;
      }
      renamed.set(name, target);
    }
    for (const [name, def] of Object.entries(defs)) {
      this.components[renamed.get(name) as string] ??= rewriteRefs(def, renamed) as JsonSchema;
    }
    return rewriteRefs(converted, renamed) as JsonSchema;
  }
}

/** True for zod's JSON Schema of `z.json()`: any string, number, boolean, null, array or object. */
function isJsonValue(def: JsonSchema): boolean {
  const types = (def.anyOf as JsonSchema[] | undefined)?.map((option) => option.type);
  return (
    JSON.stringify(types) ===
    JSON.stringify(["string", "number", "boolean", "null", "array", "object"])
  );
}

function rewriteRefs(value: unknown, renamed: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, renamed));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === "$ref" && typeof v === "string" && v.startsWith("#/$defs/")) {
      const name = v.slice("#/$defs/".length);
      out[key] = `#/components/schemas/${renamed.get(name) ?? name}`;
    } else {
      out[key] = rewriteRefs(v, renamed);
    }
  }
  return out;
}
