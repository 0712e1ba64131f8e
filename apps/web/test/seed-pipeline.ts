import { createHash } from "node:crypto";
import type { AppRouter } from "@cairn/api";
import { createTRPCClient, httpLink } from "@trpc/client";

/** The tRPC client the seeding talks through (plain HTTP, as any client would). */
export type SeedClient = ReturnType<typeof createTRPCClient<AppRouter>>;

/** A client for `baseUrl` authenticated with `apiKey`. */
export function seedClient(baseUrl: string, apiKey: string): SeedClient {
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${baseUrl}/trpc`, headers: { authorization: `Bearer ${apiKey}` } })],
  });
}

type Entry = { path: string; digest: string; size: number | null; ref?: string };

/** Uploads `files` (path → contents) the way the client does: ask what is missing, PUT it. */
async function upload(
  api: SeedClient,
  project: { entity: string; project: string },
  files: Record<string, string>,
): Promise<Entry[]> {
  const entries = Object.entries(files).map(([path, text]) => ({
    path,
    bytes: Buffer.from(text),
    digest: createHash("sha256").update(text).digest("hex"),
  }));
  const { missing } = await api.blobs.missing.mutate({
    ...project,
    blobs: entries.map((e) => ({ digest: e.digest, size: e.bytes.length })),
  });
  for (const m of missing) {
    if (m.upload.kind !== "put") throw new Error("seed blobs are tiny: expected a single PUT");
    const bytes = entries.find((e) => e.digest === m.digest)?.bytes;
    const res = await fetch(m.upload.url, {
      method: "PUT",
      headers: m.upload.headers,
      body: bytes,
    });
    if (!res.ok) throw new Error(`PUT ${m.digest} → ${res.status} ${await res.text()}`);
  }
  return entries.map((e) => ({ path: e.path, digest: e.digest, size: e.bytes.length }));
}

/** What {@link seedPipeline} created, for the assertions. */
export interface SeededPipeline {
  entity: string;
  project: string;
  trainRuns: string[];
}

/**
 * A small ML pipeline: two versions of a raw dataset (ingest runs), preprocess → clean dataset,
 * three training runs → three model versions, an evaluate run using all three → a report; plus a
 * `metrics` collection with `bulkVersions` versions to exercise paging and virtualised lists.
 */
export async function seedPipeline(
  api: SeedClient,
  entity: string,
  bulkVersions: number,
): Promise<SeededPipeline> {
  const ref = { entity, project: "pipeline" };
  await api.projects.create.mutate({
    entity,
    name: ref.project,
    description: "dataset → preprocess → train ×3 → evaluate",
  });
  const run = (id: string, jobType: string, config: Record<string, number | boolean> = {}) =>
    api.runs.init.mutate({ ...ref, id, jobType, config });
  const finish = (id: string) => api.runs.finish.mutate({ ...ref, id, state: "finished" });
  const labels: Entry = {
    path: "external/labels.parquet",
    digest: "9f2b6c1e0d8a4b7c",
    size: 2048,
    ref: "s3://cairn-demo/labels.parquet",
  };

  await run("ingest-1", "upload");
  await api.artifacts.log.mutate({
    ...ref,
    name: "raw-data",
    type: "dataset",
    runId: "ingest-1",
    metadata: { rows: 1200, source: "synthetic" },
    entries: [
      ...(await upload(api, ref, {
        "data/train.csv": "x,y\n1,2\n3,4\n",
        "data/test.csv": "x,y\n5,6\n",
        "README.md": "# raw data v0\n",
      })),
      labels,
    ],
  });
  await run("ingest-2", "upload");
  await api.artifacts.log.mutate({
    ...ref,
    name: "raw-data",
    type: "dataset",
    runId: "ingest-2",
    description: "Raw samples with a second batch",
    metadata: { rows: 2400, source: "synthetic", batches: [1, 2] },
    tags: ["raw"],
    entries: [
      ...(await upload(api, ref, {
        "data/train.csv": "x,y\n1,2\n3,4\n7,8\n",
        "data/test.csv": "x,y\n5,6\n",
        "data/extra/batch-2.csv": "x,y\n9,10\n",
      })),
      labels,
    ],
  });

  await finish("ingest-1");
  await finish("ingest-2");

  await run("preprocess-1", "preprocess", { normalize: true });
  await api.artifacts.use.mutate({ ...ref, ref: "raw-data:latest", runId: "preprocess-1" });
  await api.artifacts.log.mutate({
    ...ref,
    name: "clean-data",
    type: "dataset",
    runId: "preprocess-1",
    entries: await upload(api, ref, { "clean.csv": "x,y\n0.1,0.2\n0.3,0.4\n" }),
  });
  await finish("preprocess-1");

  const trainRuns = ["train-1", "train-2", "train-3"];
  for (const [i, id] of trainRuns.entries()) {
    await run(id, "train", { lr: 0.01 * (i + 1), epochs: 10 });
    await api.artifacts.use.mutate({ ...ref, ref: "clean-data:v0", runId: id });
    await api.artifacts.log.mutate({
      ...ref,
      name: "model",
      type: "model",
      runId: id,
      metadata: { lr: 0.01 * (i + 1) },
      entries: await upload(api, ref, { "model.bin": `weights of ${id}` }),
    });
    await api.runs.update.mutate({ ...ref, id, summary: { val_acc: 0.8 + i * 0.05 } });
    await finish(id);
  }

  await run("evaluate-1", "evaluate");
  for (const v of ["v0", "v1", "v2"])
    await api.artifacts.use.mutate({ ...ref, ref: `model:${v}`, runId: "evaluate-1" });
  await api.artifacts.log.mutate({
    ...ref,
    name: "eval-report",
    type: "report",
    runId: "evaluate-1",
    entries: await upload(api, ref, { "report.json": '{"best":"model:v2"}' }),
  });
  await finish("evaluate-1");

  // Reference-only versions: no upload, distinct digests so each is a new version.
  for (let i = 0; i < bulkVersions; i++) {
    await api.artifacts.log.mutate({
      ...ref,
      name: "metrics",
      type: "metrics",
      entries: [
        { path: "metrics.json", digest: `m${i}`, size: 100 + i, ref: `s3://cairn-demo/m${i}.json` },
      ],
    });
  }
  return { ...ref, trainRuns };
}
