import { router } from "../trpc.js";

/** runs procedures (stub — being written). */
export const runsRouter = router({});
