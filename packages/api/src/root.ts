import { accountsRouter } from "./routers/accounts.js";
import { adminRouter } from "./routers/admin.js";
import { artifactsRouter } from "./routers/artifacts.js";
import { blobsRouter } from "./routers/blobs.js";
import { healthRouter } from "./routers/health.js";
import { hooksRouter } from "./routers/hooks.js";
import { lineageRouter } from "./routers/lineage.js";
import { projectsRouter } from "./routers/projects.js";
import { runsRouter } from "./routers/runs.js";
import { router } from "./trpc.js";

/** The whole API. Clients import its type only: `import type { AppRouter } from "@cairn/api"`. */
export const appRouter = router({
  health: healthRouter,
  accounts: accountsRouter,
  projects: projectsRouter,
  runs: runsRouter,
  blobs: blobsRouter,
  artifacts: artifactsRouter,
  lineage: lineageRouter,
  hooks: hooksRouter,
  admin: adminRouter,
});

export type AppRouter = typeof appRouter;
