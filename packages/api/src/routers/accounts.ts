import { router } from "../trpc.js";

/** accounts procedures (stub — being written). */
export const accountsRouter = router({});
