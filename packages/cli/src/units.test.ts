import { CairnError } from "@cairn/core";
import { describe, expect, it } from "vitest";
import { renderLineageTree } from "./commands/lineage.js";
import {
  createOutput,
  createProgressReporter,
  describeFailure,
  formatBytes,
  formatTable,
  parseSize,
  runCli,
} from "./index.js";

function memoryStreams(isTTY = false) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    streams: {
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: (s: string) => err.push(s), isTTY },
    },
  };
}

describe("cli building blocks", () => {
  it("maps error families to distinct exit codes with a one-line message", () => {
    const codes = (
      [
        "INVALID_REFERENCE",
        "NOT_FOUND",
        "UNAUTHORIZED",
        "FORBIDDEN",
        "ALIASES_STILL_ATTACHED",
        "UNAVAILABLE",
        "DIGEST_MISMATCH",
        "INTERNAL",
        "LOCAL_IO",
      ] as const
    ).map((code) => describeFailure(new CairnError(code, "what\nhappened")).exitCode);
    expect(codes).toEqual([2, 3, 4, 4, 5, 6, 7, 1, 8]);
    expect(describeFailure(new CairnError("NOT_FOUND", "a\n  b")).line).toMatch(
      /^error: a b — .*cairn ls/,
    );
    // A message that already names what to do gets no second hint.
    expect(
      describeFailure(new CairnError("NOT_FOUND", "nope: list artifacts with `cairn ls`.")).line,
    ).toBe("error: nope: list artifacts with `cairn ls`.");
    expect(describeFailure(new TypeError("boom")).exitCode).toBe(1);
  });

  it("parses and formats sizes", () => {
    expect(parseSize("10GB")).toBe(10_000_000_000);
    expect(parseSize("2GiB")).toBe(2 * 1024 ** 3);
    expect(parseSize("1536")).toBe(1536);
    expect(() => parseSize("ten")).toThrow(expect.objectContaining({ code: "INVALID_INPUT" }));
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(12)).toBe("12 B");
  });

  it("aligns tables and keeps --json output pure", () => {
    expect(
      formatTable(
        ["A", "LONGER"],
        [
          ["xyz", 1],
          ["q", null],
        ],
      ),
    ).toEqual(["A    LONGER", "xyz  1", "q    -"]);
    const m = memoryStreams();
    const json = createOutput(m.streams, { json: true });
    json.note("progress chatter");
    json.result({ a: 1 }, () => json.line("human"));
    expect(m.out.join("")).toBe('{\n  "a": 1\n}\n');
    expect(m.err).toEqual([]);
  });

  it("prints plain periodic progress lines when not on a TTY", () => {
    const m = memoryStreams(false);
    let t = 0;
    const reporter = createProgressReporter(createOutput(m.streams, {}), {
      intervalMs: 1000,
      now: () => t,
    });
    const ev = (bytesDone: number) => ({
      phase: "upload" as const,
      filesDone: bytesDone / 50,
      filesTotal: 2,
      bytesDone,
      bytesTotal: 100,
      rate: 50,
      etaSeconds: 1,
    });
    reporter.listener(ev(0));
    t = 10;
    reporter.listener(ev(50)); // throttled
    t = 2000;
    reporter.listener(ev(100)); // done: always printed
    reporter.stop();
    expect(m.err).toHaveLength(2);
    expect(m.err[1]).toBe("uploading: 100% 100 B/100 B, 2/2 files, 50 B/s, ETA 1s\n");
    // Overlapping phases are throttled each on its own: hashing does not hide uploading.
    const both = memoryStreams(false);
    const overlap = createProgressReporter(createOutput(both.streams, {}), {
      intervalMs: 1000,
      now: () => t,
    });
    overlap.listener({ ...ev(0), phase: "hash" });
    overlap.listener(ev(0));
    t = 2010;
    overlap.listener({ ...ev(50), phase: "hash" }); // throttled
    overlap.listener(ev(50)); // throttled
    overlap.stop();
    expect(both.err.map((l) => l.split(":")[0])).toEqual([
      "hashing",
      "uploading",
      "hashing",
      "uploading",
    ]);
    const quiet = memoryStreams(false);
    createProgressReporter(createOutput(quiet.streams, { quiet: true })).listener(ev(100));
    expect(quiet.err).toEqual([]);
  });

  it("renders lineage as an indented tree", () => {
    const nodes = [
      { id: "v1", kind: "version" as const, label: "data:v0" },
      { id: "r1", kind: "run" as const, label: "abc", jobType: "train" },
      { id: "v2", kind: "version" as const, label: "model:v0" },
      { id: "v3", kind: "version" as const, label: "model:v1" },
    ];
    const edges = [
      { from: "v1", to: "r1", kind: "used" as const },
      { from: "r1", to: "v2", kind: "logged" as const },
      { from: "r1", to: "v3", kind: "logged" as const },
    ];
    expect(renderLineageTree(nodes, edges, "v1", "both")).toEqual([
      "data:v0",
      "↓ downstream",
      "└─ run abc (train)",
      "   ├─ model:v0",
      "   └─ model:v1",
    ]);
    expect(renderLineageTree(nodes, edges, "v3", "upstream")).toEqual([
      "model:v1",
      "↑ upstream",
      "└─ run abc (train)",
      "   └─ data:v0",
    ]);
  });

  it("returns the usage exit code for unknown commands and options without spawning", async () => {
    const m = memoryStreams();
    expect(await runCli(["frobnicate"], { streams: m.streams, env: {} })).toBe(2);
    expect(m.err.join("")).toContain("unknown command 'frobnicate'");
    expect(await runCli(["--version"], { streams: m.streams, env: {} })).toBe(0);
    expect(m.out.join("")).toContain("0.1.0");
  });
});
