import { createRequire } from "node:module";
import { healthOutputs } from "../../schemas/outputs.js";
import { publicProcedure, router } from "../../trpc.js";

// The API package's own version (from src/ or dist/, package.json is two levels up either way).
const { version } = createRequire(import.meta.url)("../../../package.json") as { version: string };

/** Liveness over tRPC (the HTTP host also serves /healthz and /readyz), with the server's version. */
export const healthRouter = router({
  ping: publicProcedure.output(healthOutputs.ping).query(() => ({ ok: true as const, version })),
});
