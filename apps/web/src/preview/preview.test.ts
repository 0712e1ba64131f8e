import { describe, expect, it } from "vitest";
import { usageSnippets } from "../usage.js";
import { parseInline, parseMarkdown, safeHref } from "./markdown.js";
import { looksBinary, parseDelimited, parseTableJson, previewKindOf } from "./preview-kind.js";

describe("file previews", () => {
  it("picks a preview by path", () => {
    expect(previewKindOf("t/scores.table.json")).toBe("table");
    expect(previewKindOf("a/b.CSV")).toBe("csv");
    expect(previewKindOf("meta.json")).toBe("json");
    expect(previewKindOf("README.md")).toBe("markdown");
    expect(previewKindOf("img/cat.jpeg")).toBe("image");
    expect(previewKindOf("weights.bin")).toBe("text"); // sniffed from the bytes
  });

  it("sniffs binary bytes", () => {
    expect(looksBinary(new Uint8Array([104, 105, 0, 1]))).toBe(true);
    expect(looksBinary(new Uint8Array([0xff, 0xfe, 0x41, 0x42, 0x43, 0x44]))).toBe(true);
    expect(looksBinary(new TextEncoder().encode("héllo, wörld"))).toBe(false);
  });

  it("parses CSV with quotes and drops a cut-off last line of a partial fetch", () => {
    expect(parseDelimited('a,b\n1,"x, ""y"""\n2,z', ",")).toEqual([
      ["a", "b"],
      ["1", 'x, "y"'],
      ["2", "z"],
    ]);
    expect(parseDelimited("a,b\n1,2\n3,", ",", true)).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
    expect(parseDelimited("a\tb\r\n1\t2\r\n", "\t")).toEqual([
      ["a", "b"],
      ["1", "2"],
    ]);
  });

  it("reads Cairn tables and refuses other JSON", () => {
    expect(parseTableJson('{"_type":"table","columns":["a"],"data":[[1]]}')).toEqual({
      columns: ["a"],
      rows: [[1]],
    });
    expect(parseTableJson('{"columns":[]}')).toBeNull();
    expect(parseTableJson("{nope")).toBeNull();
  });

  it("parses Markdown into blocks and keeps only safe links", () => {
    const blocks = parseMarkdown(
      "# Title\n\nSome **bold** and `code`.\n\n- one\n- two\n\n```\nx <b>\n```",
    );
    expect(blocks.map((b) => b.kind)).toEqual(["heading", "paragraph", "list", "code"]);
    expect(blocks[3]).toEqual({ kind: "code", text: "x <b>" });
    const unsafe = parseInline("[x](javascript:alert(1))");
    expect(unsafe.every((span) => span.kind === "text")).toBe(true);
    expect(unsafe.map((span) => span.text).join("")).toBe("[x](javascript:alert(1))");
    expect(safeHref("https://example.com")).toBe("https://example.com");
    expect(safeHref("data:text/html,hi")).toBeNull();
  });
});

describe("usage snippets", () => {
  it("pins the exact version in every snippet", () => {
    const snippets = usageSnippets({
      origin: "http://127.0.0.1:8787",
      entity: "acme",
      project: "vision",
      name: "cats",
      version: "v3",
    });
    expect(snippets.map((s) => s.id)).toEqual(["typescript", "cli", "curl"]);
    expect(snippets[0]?.code).toContain('useArtifact("acme/vision/cats:v3")');
    expect(snippets[1]?.code).toContain("cairn get acme/vision/cats:v3");
    expect(snippets[2]?.code).toContain(
      `/trpc/artifacts.get?input=${encodeURIComponent('{"entity":"acme","project":"vision","ref":"cats:v3"}')}`,
    );
  });
});
