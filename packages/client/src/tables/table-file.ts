import { CairnError, normalizeEntryPath } from "@cairn/core";
import { PartitionedTable } from "./partitioned-table.js";
import { Table } from "./table.js";

/** Anything `artifact.add(value, name)` can store. */
export type ArtifactMedia = Table | PartitionedTable;

/** Suffix of the file a table is stored as (W&B's convention, so `get(name)` can find it). */
export const TABLE_FILE_SUFFIX = ".table.json";

/** The entry path a table added under `name` is stored at: `tables/t1` → `tables/t1.table.json`. */
export function tableEntryPath(name: string): string {
  const path = normalizeEntryPath(name);
  return path.endsWith(TABLE_FILE_SUFFIX) ? path : `${path}${TABLE_FILE_SUFFIX}`;
}

/** Serialises a table to the bytes of its `.table.json` file. */
export function serializeMedia(media: ArtifactMedia): string {
  return JSON.stringify(media.toJSON());
}

/**
 * Parses the bytes of a `.table.json` file back into the object that was added: a
 * {@link Table} or a {@link PartitionedTable}, chosen by `_type`. Throws INVALID_INPUT otherwise.
 */
export function parseMedia(text: string | Uint8Array): ArtifactMedia {
  const source = typeof text === "string" ? text : new TextDecoder().decode(text);
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (err) {
    throw new CairnError(
      "INVALID_INPUT",
      `A .table.json file is not valid JSON (${(err as Error).message}); it was not written by Cairn or is damaged.`,
      { cause: err },
    );
  }
  const type = (value as { _type?: unknown } | null)?._type;
  if (type === "table") return Table.fromJSON(value);
  if (type === "partitioned-table") return PartitionedTable.fromJSON(value);
  throw new CairnError(
    "INVALID_INPUT",
    `Unknown media type ${JSON.stringify(type)} in a .table.json file: supported are "table" and "partitioned-table".`,
  );
}
