import { accountsRouter } from "./routers/accounts/router.js";
import { adminRouter } from "./routers/admin/router.js";
import { artifactsRouter } from "./routers/artifacts/router.js";
import { blobsRouter } from "./routers/blobs/router.js";
import { hooksRouter } from "./routers/events/router.js";
import { healthRouter } from "./routers/health/router.js";
import { lineageRouter } from "./routers/lineage/router.js";
import { projectsRouter } from "./routers/projects/router.js";
import { runsRouter } from "./routers/runs/router.js";
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
