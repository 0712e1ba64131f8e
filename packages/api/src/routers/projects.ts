import { router } from "../trpc.js";

/** projects procedures (stub — being written). */
export const projectsRouter = router({});
