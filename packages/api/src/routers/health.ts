import { publicProcedure, router } from "../trpc.js";

/** Liveness over tRPC (the HTTP host also serves /healthz and /readyz). */
export const healthRouter = router({
  ping: publicProcedure.query(() => ({ ok: true as const })),
});
