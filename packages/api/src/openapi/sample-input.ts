import type { JsonSchema } from "./json-schema.js";

/** Values the sample generator uses for properties of these names (a fixture's real ids). */
export type KnownValues = Record<string, unknown>;

/**
 * A value valid under `schema` (OpenAPI's JSON Schema, `$ref`s into `components`): properties named
 * in `known` take those values, other required properties get the smallest value their schema
 * allows, and optional ones without a known value are left out. Used by the conformance test to
 * call every operation as the document describes it.
 */
export function sampleOf(
  schema: JsonSchema,
  components: Record<string, JsonSchema>,
  known: KnownValues,
): unknown {
  const resolve = (s: JsonSchema): JsonSchema => {
    const ref = s.$ref;
    if (typeof ref !== "string") return s;
    return resolve(components[ref.replace("#/components/schemas/", "")] ?? {});
  };
  const sample = (raw: JsonSchema, depth: number): unknown => {
    const s = resolve(raw);
    if ("const" in s) return s.const;
    if (Array.isArray(s.enum)) return s.enum[0];
    if ("default" in s) return s.default;
    const options = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
    if (options) {
      const chosen = options.find((o) => resolve(o).type !== "null") ?? options[0] ?? {};
      return sample(chosen, depth);
    }
    if (Array.isArray(s.allOf)) {
      return Object.assign({}, ...s.allOf.map((part) => sample(part as JsonSchema, depth)));
    }
    switch (s.type) {
      case "object": {
        const out: Record<string, unknown> = {};
        const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
        const required = new Set((s.required ?? []) as string[]);
        for (const [key, property] of Object.entries(properties)) {
          if (key in known) out[key] = known[key];
          else if (required.has(key) && depth < 8) out[key] = sample(property, depth + 1);
        }
        return out;
      }
      case "array": {
        const min = Math.max(1, Number(s.minItems ?? 1));
        return Array.from({ length: min }, () => sample((s.items ?? {}) as JsonSchema, depth + 1));
      }
      case "string": {
        if (s.pattern === "^[0-9a-f]{64}$") return "0".repeat(64);
        return "x".repeat(Math.max(1, Number(s.minLength ?? 1)));
      }
      case "integer":
      case "number":
        return Math.min(Number(s.maximum ?? 1), Math.max(1, Number(s.minimum ?? 1)));
      case "boolean":
        return false;
      case "null":
        return null;
      default:
        return {};
    }
  };
  return sample(schema, 0);
}
