import { CairnError, normalizeEntryPath } from "@cairn/core";
import { z } from "zod";

/** The JSON form of a {@link PartitionedTable}. */
export interface PartitionedTableJson {
  _type: "partitioned-table";
  parts_path: string;
}

/** Zod schema of {@link PartitionedTableJson}. */
export const partitionedTableJsonSchema = z.object({
  _type: z.literal("partitioned-table"),
  parts_path: z.string(),
});

/**
 * A table split into parts (W&B's `PartitionedTable`): a folder of `*.table.json` files inside the
 * same artifact, named by `partsPath`. Only the pointer is stored; the parts are added to the
 * artifact separately (e.g. by distributed writers, one part each).
 */
export class PartitionedTable {
  /** The folder inside the artifact that holds the parts (a normalised entry path). */
  readonly partsPath: string;

  /** @param partsPath Folder of the parts inside the artifact, e.g. `"parts"`. */
  constructor(partsPath: string) {
    this.partsPath = normalizeEntryPath(partsPath);
  }

  /** True for an entry path that is one part of this table (`<partsPath>/…/*.table.json`). */
  isPart(entryPath: string): boolean {
    return entryPath.startsWith(`${this.partsPath}/`) && entryPath.endsWith(".table.json");
  }

  /** The JSON form (`{ _type: "partitioned-table", parts_path }`). */
  toJSON(): PartitionedTableJson {
    return { _type: "partitioned-table", parts_path: this.partsPath };
  }

  /** Parses the JSON form; throws INVALID_INPUT when malformed. */
  static fromJSON(value: unknown): PartitionedTable {
    const parsed = partitionedTableJsonSchema.safeParse(value);
    if (!parsed.success) {
      throw new CairnError(
        "INVALID_INPUT",
        `Not a partitioned table: expected { _type: "partitioned-table", parts_path: string } (${z.prettifyError(parsed.error)}).`,
      );
    }
    return new PartitionedTable(parsed.data.parts_path);
  }
}
