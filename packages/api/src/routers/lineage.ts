import { router } from "../trpc.js";

/** lineage procedures (stub — being written). */
export const lineageRouter = router({});
