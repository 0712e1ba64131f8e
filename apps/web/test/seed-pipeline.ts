import { createHash } from "node:crypto";
import type { AppRouter } from "@cairn/api";
import { createTRPCClient, httpLink } from "@trpc/client";
import { makePng } from "./png.js";

/** The tRPC client the seeding talks through (plain HTTP, as any client would). */
export type SeedClient = ReturnType<typeof createTRPCClient<AppRouter>>;

/** A client for `baseUrl` authenticated with `apiKey`. */
export function seedClient(baseUrl: string, apiKey: string): SeedClient {
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${baseUrl}/trpc`, headers: { authorization: `Bearer ${apiKey}` } })],
  });
}

type Entry = { path: string; digest: string; size: number | null; ref?: string };
type Files = Record<string, string | Buffer>;

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** Uploads `files` (path → contents) the way the client does: ask what is missing, PUT it. */
async function upload(
  api: SeedClient,
  project: { entity: string; project: string },
  files: Files,
): Promise<Entry[]> {
  const entries = Object.entries(files).map(([path, body]) => {
    const bytes = typeof body === "string" ? Buffer.from(body) : body;
    return { path, bytes, digest: sha256(bytes) };
  });
  const byDigest = new Map(entries.map((e) => [e.digest, e.bytes]));
  const { missing } = await api.blobs.missing.mutate({
    ...project,
    blobs: [...byDigest].map(([digest, bytes]) => ({ digest, size: bytes.length })),
  });
  // 16 PUTs in flight: thousands of small files upload in seconds.
  let next = 0;
  const worker = async () => {
    while (next < missing.length) {
      const m = missing[next++];
      if (!m) break;
      if (m.upload.kind !== "put") throw new Error("seed blobs are small: expected a single PUT");
      const res = await fetch(m.upload.url, {
        method: "PUT",
        headers: m.upload.headers,
        body: new Uint8Array(byDigest.get(m.digest) ?? Buffer.alloc(0)),
      });
      if (!res.ok) throw new Error(`PUT ${m.digest} → ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return entries.map((e) => ({ path: e.path, digest: e.digest, size: e.bytes.length }));
}

/** Files in the dataset's `images/` folder (the rest: labels, docs, tables, logs). */
export const IMAGE_FILES = 1930;
/** Files in each version of the dataset. */
export const DATASET_FILES = 2000;
/** Versions the prediction run logs: a fan-out the lineage view must group. */
export const PREDICTION_OUTPUTS = 230;

const README = `# Street scenes

Photos of **street scenes** at 224 px, for \`classifier\` training.

- 1,930 images in 10 classes
- labels in \`labels.csv\`

See [the labelling guide](https://example.com/guide). <script>alert("not run")</script>
`;

/**
 * Version `v` (0–2) of the `street-scenes-224` dataset: exactly {@link DATASET_FILES} files.
 * v1 recolours 60 images and replaces 10 with new ones; v2 recolours 40 more and edits the README.
 */
function datasetFiles(v: number): Files {
  const files: Files = {};
  for (let i = 0; i < IMAGE_FILES; i++) {
    const cls = `class-${String(i % 10).padStart(2, "0")}`;
    const renamed = v >= 1 && i < 10;
    const name = renamed
      ? `new-${String(i).padStart(4, "0")}`
      : `img-${String(i).padStart(4, "0")}`;
    const tint = (v >= 1 && i >= 10 && i < 70 ? 1 : 0) + (v >= 2 && i >= 70 && i < 110 ? 2 : 0);
    files[`images/${cls}/${name}.png`] = makePng(8, (x, y) => [
      (i * 7 + x * 16) % 256,
      (i * 13 + y * 16 + tint * 60) % 256,
      renamed ? 200 : 40,
    ]);
  }
  const rows = ["path,label,width,height"];
  for (let i = 0; i < IMAGE_FILES; i++)
    rows.push(
      `images/class-${String(i % 10).padStart(2, "0")}/img-${String(i).padStart(4, "0")}.png,${i % 10},224,224`,
    );
  files["labels.csv"] = `${rows.join("\n")}\n`;
  files["README.md"] = v >= 2 ? `${README}\nVersion 2 fixes 40 colour casts.\n` : README;
  files["stats.table.json"] = JSON.stringify({
    _type: "table",
    columns: ["class", "count", "mean_brightness"],
    data: Array.from({ length: 10 }, (_, c) => [`class-${c}`, 193, 0.4 + c * 0.01 + 0.000000001]),
  });
  files["meta/info.json"] = JSON.stringify({ version: v, source: "synthetic", classes: 10 });
  files["meta/cover.png"] = makePng(96, (x, y) => [
    40 + Math.round((x / 96) * 180),
    90 + Math.round((y / 96) * 120),
    200 - Math.round(((x + y) / 192) * 120),
  ]);
  // A log larger than the preview window: the page shows its first bytes and a download.
  files["logs/ingest.log"] = Array.from(
    { length: 6000 },
    (_, i) => `2026-12-01T00:${String(i % 60).padStart(2, "0")}:00Z ingest image ${i} ok (v${v})`,
  ).join("\n");
  const others = DATASET_FILES - Object.keys(files).length;
  for (let i = 0; i < others; i++)
    files[`masks/mask-${String(i).padStart(3, "0")}.txt`] = `mask ${i}`;
  return files;
}

/** What {@link seedPipeline} created, for the assertions. */
export interface SeededPipeline {
  entity: string;
  project: string;
  dataset: string;
  trainRuns: string[];
}

/**
 * The project: a 2,000-file dataset in three versions (ingest runs), preprocess → clean
 * dataset, three training runs → three model versions with summary metrics, an evaluate run using
 * all three → a report, and a prediction run with {@link PREDICTION_OUTPUTS} outputs.
 */
export async function seedPipeline(api: SeedClient, entity: string): Promise<SeededPipeline> {
  const ref = { entity, project: "pipeline" };
  const dataset = "street-scenes-224";
  await api.projects.create.mutate({
    entity,
    name: ref.project,
    description: "dataset → preprocess → train ×3 → evaluate",
  });
  const run = (
    id: string,
    jobType: string,
    config: Record<string, number | boolean> = {},
    name?: string,
  ) => api.runs.init.mutate({ ...ref, id, jobType, config, ...(name ? { name } : {}) });
  const finish = (id: string) => api.runs.finish.mutate({ ...ref, id, state: "finished" });

  for (const v of [0, 1, 2]) {
    const id = `ingest-${v + 1}`;
    await run(id, "upload", {}, `ingest batch ${v + 1}`);
    await api.artifacts.log.mutate({
      ...ref,
      name: dataset,
      type: "dataset",
      runId: id,
      description: v === 0 ? "Street scenes at 224 px" : `Street scenes at 224 px, fix ${v}`,
      metadata: { rows: DATASET_FILES, source: "synthetic", fix: v },
      tags: v === 2 ? ["curated"] : [],
      entries: await upload(api, ref, datasetFiles(v)),
    });
    await finish(id);
  }

  await run("preprocess-1", "preprocess", { normalize: true });
  await api.artifacts.use.mutate({ ...ref, ref: `${dataset}:latest`, runId: "preprocess-1" });
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
    // 0.8 + 0.05 * i in floating point: 0.8500000000000001, 0.9000000000000001 — shown rounded.
    await api.runs.update.mutate({
      ...ref,
      id,
      summary: { val_acc: [0.85, 0.8 + 0.05 * 2, 0.8 + 0.05][i] as number, loss: 0.5 - 0.1 * i },
    });
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
    entries: await upload(api, ref, { "report.json": '{"best":"model:v1","val_acc":0.9}' }),
  });
  await finish("evaluate-1");

  // Reference-only versions (no upload): a run whose outputs fan out 230 ways.
  await run("predict-1", "predict");
  await api.artifacts.use.mutate({ ...ref, ref: "model:v1", runId: "predict-1" });
  // Eight commits in flight (the server orders them; version numbers need not follow i).
  let nextOutput = 0;
  const logOutputs = async () => {
    for (let i = nextOutput++; i < PREDICTION_OUTPUTS; i = nextOutput++) {
      await api.artifacts.log.mutate({
        ...ref,
        name: "predictions",
        type: "predictions",
        runId: "predict-1",
        entries: [
          { path: "preds.json", digest: `p${i}`, size: 100 + i, ref: `s3://cairn-demo/p${i}.json` },
        ],
      });
    }
  };
  await Promise.all(Array.from({ length: 8 }, logOutputs));
  await finish("predict-1");
  return { ...ref, dataset, trainRuns };
}
