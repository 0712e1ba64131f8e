import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type S3TestServer, startS3TestServer } from "@cairn/blobs/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Artifact, type Cairn, PartitionedTable, Table } from "../index.js";
import { describeE2E } from "./harness.test-helpers.js";

let http: Server;
let httpBase: string;
let s3: S3TestServer;
let s3Client: S3Client;
const s3Config = () => ({
  endpoint: s3.endpoint,
  region: s3.region,
  credentials: s3.credentials,
  forcePathStyle: true,
  checksumWhenRequired: true,
});

beforeAll(async () => {
  http = createServer((req, res) => {
    if (req.url !== "/data/labels.csv") {
      res.writeHead(404).end();
      return;
    }
    const body = "id,label\n1,cat\n";
    res.writeHead(200, { etag: '"labels-v1"', "content-length": Buffer.byteLength(body) });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  httpBase = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  s3 = await startS3TestServer({ bucket: "client-e2e-refs" });
  s3Client = new S3Client({
    ...s3Config(),
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
  for (const [key, body] of [
    ["images/cat.png", "cat"],
    ["images/dog.png", "dogdog"],
  ] as const) {
    await s3Client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
  }
});
afterAll(async () => {
  s3Client?.destroy();
  await s3?.close();
  await new Promise<void>((r) => http.close(() => r()));
});

await describeE2E("references and parallel writers", (env) => {
  it("logs http and s3 references without copying bytes and downloads them from the source", async () => {
    const cairn: Cairn = env().newCairn({ references: { s3: s3Config() } });
    const run = await cairn.init({ jobType: "refs" });
    const a = new Artifact({ name: "referenced", type: "dataset" });
    a.addReference(`${httpBase}/data/labels.csv`);
    a.addReference(`s3://${s3.bucket}/images`, { name: "imgs" });
    const result = await run.logArtifact(a).result();
    expect(result.uploadedFiles).toBe(0);
    const used = await run.useArtifact("referenced:latest");
    expect(used.manifest.entries.map((e) => [e.path, e.size])).toEqual([
      ["imgs/cat.png", 3],
      ["imgs/dog.png", 6],
      ["labels.csv", 15],
    ]);
    const labels = used.getPath("labels.csv");
    expect(labels.ref()).toBe(`${httpBase}/data/labels.csv`);
    expect(labels.extra).toMatchObject({ etag: "labels-v1" });
    const root = await used.download({ root: join(env().dir, "refs-dl") });
    expect(await readFile(join(root, "imgs", "dog.png"), "utf8")).toBe("dogdog");
    expect(await readFile(join(root, "labels.csv"), "utf8")).toBe("id,label\n1,cat\n");
    expect(used.lastDownload).toMatchObject({ references: 3, fetched: 0 });
    expect((await used.verify(root, { references: true })).ok).toBe(true);
  });

  it("5 parallel writers upsert table parts, one finish commits one version with 6 entries", async () => {
    const { newCairn } = env();
    const group = `dist-${Date.now()}`;
    const writers = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        const cairn = newCairn();
        const run = await cairn.init({ jobType: "writer", group });
        const part = new Artifact({ name: "distributed-table", type: "dataset" });
        part.add(
          new Table({ columns: ["worker", "value"], data: [[i, i * 10]] }),
          `parts/table_${i}`,
        );
        await run.upsertArtifact(part);
        return run;
      }),
    );
    const finisher = writers[0]!;
    const whole = new Artifact({ name: "distributed-table", type: "dataset" });
    whole.add(new PartitionedTable("parts"), "table");
    const version = await finisher.finishArtifact(whole);
    expect(version.version).toBe("v0");
    expect(version.manifest.entries.map((e) => e.path)).toEqual([
      "parts/table_0.table.json",
      "parts/table_1.table.json",
      "parts/table_2.table.json",
      "parts/table_3.table.json",
      "parts/table_4.table.json",
      "table.table.json",
    ]);
    const table = await version.get("table");
    expect(table).toBeInstanceOf(PartitionedTable);
    const part3 = (await version.get("parts/table_3")) as Table;
    expect(part3.data).toEqual([[3, 30]]);
    // After finish, further upserts to that draft are refused.
    const late = new Artifact({ name: "distributed-table", type: "dataset" });
    late.add(new Table({ columns: ["x"], data: [[1]] }), "parts/late");
    await expect(writers[1]!.upsertArtifact(late)).rejects.toMatchObject({
      code: "DRAFT_FINISHED",
    });
  });
});
