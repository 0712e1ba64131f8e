import type { AnyTRPCRouter } from "@trpc/server";
import type { z } from "zod";
import { requiresSignIn } from "../trpc.js";

/** One tRPC procedure as the OpenAPI document describes it. */
export interface DescribedProcedure {
  /** Dotted path, e.g. `artifacts.get` (served at `/trpc/artifacts.get`). */
  path: string;
  type: "query" | "mutation";
  /** The input parsers (tRPC merges chained `.input()` objects); empty when it takes none. */
  inputs: z.ZodType[];
  output: z.ZodType;
  authenticated: boolean;
}

interface ProcedureDef {
  type: "query" | "mutation" | "subscription";
  inputs: unknown[];
  output?: unknown;
  middlewares: unknown[];
}

function isZod(value: unknown): value is z.ZodType {
  return typeof value === "object" && value !== null && "_zod" in value;
}

/**
 * Every procedure of `router`, read from the router itself so new procedures are described
 * without a list to update. Throws, naming the procedure, when one has an input or output
 * without a zod schema: the document would otherwise be silently incomplete.
 */
export function describeProcedures(router: AnyTRPCRouter): DescribedProcedure[] {
  const procedures = router._def.procedures as Record<string, { _def: ProcedureDef }>;
  const problems: string[] = [];
  const described: DescribedProcedure[] = [];
  for (const [path, procedure] of Object.entries(procedures).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const def = procedure._def;
    if (def.type === "subscription") {
      problems.push(`${path}: subscriptions are not part of the HTTP API`);
      continue;
    }
    if (!isZod(def.output)) {
      problems.push(`${path}: add .output(<zod schema>) describing its answer`);
      continue;
    }
    if (!def.inputs.every(isZod)) {
      problems.push(`${path}: its .input() must be a zod schema`);
      continue;
    }
    described.push({
      path,
      type: def.type,
      inputs: def.inputs as z.ZodType[],
      output: def.output,
      authenticated: requiresSignIn(def.middlewares),
    });
  }
  if (problems.length > 0) {
    throw new Error(`The OpenAPI document cannot describe:\n- ${problems.join("\n- ")}`);
  }
  return described;
}
