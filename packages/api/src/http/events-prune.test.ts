import { describeWithServices } from "@cairn/vitest-config/services";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EventStreamBlock,
  readEventStream,
  referenceEntry,
  startTestServer,
  TEST_PROJECT,
  type TestServer,
  type TestServerOptions,
} from "../testing/index.js";

const DAY = 86_400_000;

/** Reads SSE blocks from `GET /events` until one carries event seq `untilSeq`. */
async function readBlocks(
  server: TestServer,
  lastEventId: number | null,
  untilSeq: number,
): Promise<EventStreamBlock[]> {
  const { status, blocks } = await readEventStream(server.baseUrl, {
    apiKey: server.adminKey,
    lastEventId,
    until: (read) => read.some((b) => b.data.seq === untilSeq),
  });
  expect(status).toBe(200);
  return blocks;
}

function suite(options: TestServerOptions) {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(options);
  });
  afterAll(() => server?.close());

  it("tells a stream resumed before the pruned horizon what it missed, then goes on", async () => {
    const c = server.client;
    for (const p of ["a", "b", "c"]) {
      await c.artifacts.log.mutate({
        ...TEST_PROJECT,
        name: "pruned",
        type: "dataset",
        entries: [referenceEntry(p)],
      });
    }
    // Six events (created + latest moved, per version); the first four are made old.
    await server.rawSql("update events set created_at = now() - interval '40 days' where seq <= 4");
    expect(await server.services.retention.pruneEvents({ retentionMs: 30 * DAY })).toEqual({
      eventsPruned: 4,
      deliveriesPruned: 0,
    });
    const page = await c.hooks.events.query({ ...TEST_PROJECT });
    expect(page.events.map((e) => e.seq)).toEqual([5, 6]);
    expect(page.prunedThrough).toBe(4);

    const resumed = await readBlocks(server, 2, 6);
    expect(resumed[0]).toMatchObject({
      event: "gap",
      id: undefined,
      data: { after: 2, prunedThrough: 4, retention: "30d" },
    });
    expect(String(resumed[0]?.data.message)).toMatch(
      /after 2 up to 4 were pruned.*kept for 30d \(CAIRN_EVENT_RETENTION\)/,
    );
    expect(resumed.slice(1).map((b) => [b.id, b.data.seq])).toEqual([
      ["5", 5],
      ["6", 6],
    ]);

    // At or past the horizon, and from the start ("the oldest kept"), nothing was missed.
    for (const from of [4, null]) {
      const blocks = await readBlocks(server, from, 6);
      expect(blocks.map((b) => b.event)).toEqual(["version.created", "alias.moved"]);
    }
  });
}

describe("event pruning and SSE resume, embedded (PGlite)", () => suite({}));

await describeWithServices(["postgres"], "event pruning and SSE resume on PostgreSQL", () =>
  suite({ db: "postgres" }),
);
