import { router } from "../trpc.js";

/** artifacts procedures (stub — being written). */
export const artifactsRouter = router({});
