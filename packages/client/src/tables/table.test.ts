import { isCairnError } from "@cairn/core";
import { describe, expect, it } from "vitest";
import { PartitionedTable, Table } from "../index.js";
import { parseMedia, tableEntryPath } from "../internal.js";

describe("Table", () => {
  it("round-trips through its JSON file format", () => {
    const table = new Table({
      columns: ["id", "label", "ok", "score"],
      data: [
        [1, "cat", true, 0.5],
        [2, "dog", false, null],
      ],
    });
    const json = JSON.stringify(table.toJSON());
    expect(JSON.parse(json)).toEqual({
      _type: "table",
      columns: ["id", "label", "ok", "score"],
      data: [
        [1, "cat", true, 0.5],
        [2, "dog", false, null],
      ],
    });
    const back = parseMedia(json);
    expect(back).toBeInstanceOf(Table);
    expect((back as Table).columns).toEqual(table.columns);
    expect((back as Table).data).toEqual(table.data);
    expect((back as Table).column("label")).toEqual(["cat", "dog"]);
  });

  it("validates columns, row widths and cell types", () => {
    const bad = (fn: () => unknown) =>
      expect(fn).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
    bad(() => new Table({ columns: [] }));
    bad(() => new Table({ columns: ["a", "a"] }));
    bad(() => new Table({ columns: ["a", "b"], data: [[1]] }));
    bad(() => new Table({ columns: ["a"], data: [[Number.NaN]] }));
    bad(() => new Table({ columns: ["a"], data: [[{} as never]] }));
    bad(() => new Table({ columns: ["a"] }).column("b"));
    expect(() => new Table({ columns: ["a", "b"], data: [[1]] })).toThrow(
      /has 1 cells but the table has 2 columns/,
    );
  });

  it("rows are copies: the table cannot be changed behind its back", () => {
    const table = new Table({ columns: ["a"] }).addRow([1]);
    table.data[0]![0] = 99;
    expect(table.data).toEqual([[1]]);
    expect(table.rowCount).toBe(1);
  });

  it("Table.fromJSON and parseMedia refuse malformed input with INVALID_INPUT", () => {
    for (const input of [
      { _type: "table", columns: "a", data: [] },
      { _type: "table", columns: ["a"], data: [[[1]]] },
    ]) {
      expect(() => Table.fromJSON(input)).toThrow(
        expect.objectContaining({ code: "INVALID_INPUT" }),
      );
    }
    try {
      parseMedia("{oops");
      expect.unreachable();
    } catch (e) {
      expect(isCairnError(e, "INVALID_INPUT")).toBe(true);
    }
    expect(() => parseMedia('{"_type":"image"}')).toThrow(/Unknown media type "image"/);
  });
});

describe("PartitionedTable", () => {
  it("serialises its parts path and recognises its parts", () => {
    const pt = new PartitionedTable("./parts");
    expect(pt.toJSON()).toEqual({ _type: "partitioned-table", parts_path: "parts" });
    const back = parseMedia(JSON.stringify(pt));
    expect(back).toBeInstanceOf(PartitionedTable);
    expect((back as PartitionedTable).partsPath).toBe("parts");
    expect(pt.isPart("parts/0.table.json")).toBe(true);
    expect(pt.isPart("parts2/0.table.json")).toBe(false);
    expect(() => new PartitionedTable("../x")).toThrow(
      expect.objectContaining({ code: "INVALID_PATH" }),
    );
  });
});

describe("tableEntryPath", () => {
  it("appends .table.json once and normalises", () => {
    expect(tableEntryPath("tables/t1")).toBe("tables/t1.table.json");
    expect(tableEntryPath("./t.table.json")).toBe("t.table.json");
  });
});
