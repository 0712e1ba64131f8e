import { CairnError, type JsonObject, jsonObject } from "@cairn/core";

/**
 * Checks that user metadata (or a run's summary or config) is a JSON object, as the wire contract
 * requires, and returns it typed as one — instead of casting it through. A value JSON cannot carry
 * (a function, a Date, `undefined` in an array, NaN) is refused here, naming the field.
 */
export function wireJson(value: Record<string, unknown>, field: string): JsonObject {
  const parsed = jsonObject.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${[field, ...issue.path].join(".")}` : "";
  throw new CairnError(
    "INVALID_INPUT",
    `${field} must be a JSON object (strings, numbers, booleans, null, arrays and objects)${where}: convert other values first, e.g. dates to ISO strings.`,
  );
}
