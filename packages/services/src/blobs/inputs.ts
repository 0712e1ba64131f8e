import { digestSchema, MAX_ENTRIES_PER_REQUEST } from "@cairn/core";
import { z } from "zod";
import { projectRefSchema } from "../inputs.js";

export const blobsMissingInputSchema = projectRefSchema.extend({
  blobs: z
    .array(z.object({ digest: digestSchema, size: z.number().int().nonnegative() }))
    .max(
      MAX_ENTRIES_PER_REQUEST,
      `at most ${MAX_ENTRIES_PER_REQUEST} blobs per request: ask in batches`,
    ),
});
export type BlobsMissingInput = z.infer<typeof blobsMissingInputSchema>;

export const blobCompleteInputSchema = projectRefSchema.extend({
  digest: digestSchema,
  size: z.number().int().nonnegative(),
  /** The `uploadId` of a presigned PUT target (`complete: true`). */
  uploadId: z.string().min(1).max(200).optional(),
  multipart: z
    .object({
      uploadId: z.string().min(1),
      parts: z
        .array(
          z.object({ partNumber: z.number().int().min(1).max(10_000), etag: z.string().min(1) }),
        )
        .min(1),
    })
    .optional(),
});
export type BlobCompleteInput = z.infer<typeof blobCompleteInputSchema>;
