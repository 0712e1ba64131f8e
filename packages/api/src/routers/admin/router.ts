import { repackInputSchema } from "@cairn/services";
import { adminOutputs } from "../../schemas/outputs.js";
import { authedProcedure, router } from "../../trpc.js";

/** `admin.*`: site administration of the server's storage (site admins only). */
export const adminRouter = router({
  repack: authedProcedure
    .input(repackInputSchema)
    .output(adminOutputs.repack)
    .mutation(({ ctx, input }) => ctx.services.admin.repack(ctx.actor, input)),
});
