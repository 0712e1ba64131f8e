import { router } from "../trpc.js";

/** blobs procedures (stub — being written). */
export const blobsRouter = router({});
