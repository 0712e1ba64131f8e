import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningServer, serverEnvSchema, startServer } from "@cairn/server";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildIfStale, ensureChromium, launchChromium, WEB_ROOT } from "./browser.js";
import { type SeedClient, seedClient, seedPipeline } from "./seed-pipeline.js";

/** Versions in the `metrics` collection: more than one page (200) of the versions list. */
const BULK_VERSIONS = 260;
const SCREENSHOTS = join(WEB_ROOT, "docs", "screenshots");

describe("web app, end to end (real server, built app, headless Chromium)", () => {
  let dataDir: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let api: SeedClient;
  let adminKey: string;

  beforeAll(async () => {
    ensureChromium();
    buildIfStale();
    dataDir = await mkdtemp(join(tmpdir(), "cairn-web-e2e-"));
    // No CAIRN_WEB_DIR: the server must find the built app by itself (what `pnpm start` relies on).
    server = await startServer(
      serverEnvSchema.parse({
        CAIRN_DATA_DIR: dataDir,
        CAIRN_PORT: "0",
        CAIRN_LOG_LEVEL: "silent",
      }),
      { out: { write: () => true } },
    );
    adminKey = server.adminApiKey ?? "";
    api = seedClient(server.url, adminKey);
    await seedPipeline(api, "admin", BULK_VERSIONS);
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 960 } });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("serves the app at / and refuses a malformed key before calling the server", async () => {
    await page.goto(server.url);
    await page.getByLabel("API key").fill("not-a-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("cairn_<id>_<secret>");
  });

  it("signs in with an API key kept in session storage and lists projects", async () => {
    await page.getByLabel("API key").fill(adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("whoami").getByText("admin (site admin)").waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("cairn.apiKey"))).toBe(adminKey);
    await page.getByRole("link", { name: "admin/pipeline" }).click();
    await page.getByRole("heading", { name: "admin/pipeline" }).waitFor();
  });

  it("lists collections by type with storage accounting", async () => {
    await page.getByRole("heading", { name: "model", exact: true }).waitFor();
    const types = await page.locator(".group-head").allTextContents();
    expect(types).toEqual(["dataset", "metrics", "model", "report"]);
    // Both datasets share labels.parquet (a reference) and test.csv: unique < logical.
    const logical = await page.getByTestId("logical-bytes").textContent();
    const unique = await page.getByTestId("unique-bytes").textContent();
    expect(logical).not.toBe(unique);
  });

  it("pages and virtualises a long versions list", async () => {
    await page.getByRole("link", { name: "metrics", exact: true }).click();
    // Newest first: the first page starts at the last version logged.
    await page.getByRole("link", { name: `v${BULK_VERSIONS - 1}`, exact: true }).waitFor();
    const rendered = await page.locator(".vlist-row").count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(60); // windowed: not all 200 loaded rows are in the DOM
    await page.getByText("200 loaded — scroll for more").waitFor();
    // Scrolling to the end fetches the next page.
    const viewport = page.getByRole("list", { name: "Versions of metrics" });
    for (let i = 0; i < 10; i++) {
      await viewport.evaluate((el) => el.parentElement?.scrollTo(0, el.scrollHeight));
      if ((await page.getByText(`${BULK_VERSIONS} loaded`).count()) > 0) break;
      await page.waitForTimeout(200);
    }
    await page.getByText(`${BULK_VERSIONS} loaded`, { exact: true }).waitFor();
    await page.getByRole("link", { name: "v0", exact: true }).waitFor();
    await page.goBack();
  });

  it("opens the dataset, its versions and its lineage; expands and switches views", async () => {
    await page.getByRole("link", { name: "raw-data", exact: true }).click();
    await page.getByRole("link", { name: "v1", exact: true }).click();
    await page.getByRole("heading", { name: /raw-data:v1/ }).waitFor();
    await page.getByRole("link", { name: "Lineage graph" }).click();
    const stats = page.getByTestId("graph-stats");
    // depth 3 from raw-data:v1: ingest-2 upstream; preprocess, clean-data, train ×3 downstream.
    await stats.getByText("7 nodes").waitFor();
    const canvas = page.getByTestId("lineage-canvas");
    expect(await canvas.locator("button.graph-node").count()).toBe(7);

    // Expand a training run: its model version joins the graph.
    await canvas.getByRole("button", { name: /^run train-1/ }).click();
    await stats.getByText("8 nodes").waitFor();
    await canvas.getByRole("button", { name: /model:v0/ }).waitFor();

    // Collapsed: one node per artifact and per job type (train groups 3 runs).
    await page.getByLabel("Collapsed").check();
    await canvas.getByRole("button", { name: /job type train, 3 runs/ }).waitFor();
    expect(await canvas.locator("button.graph-node").count()).toBe(6);
    await page.getByLabel("Exploded").check();
    await canvas.getByRole("button", { name: /model:v0/ }).waitFor();
    await page.waitForTimeout(400); // let fitView settle before the picture
    await page.screenshot({ path: join(SCREENSHOTS, "lineage.png") });
  });

  it("marks where a capped graph has more and loads it on demand", async () => {
    await page.getByLabel("Max nodes").selectOption("5");
    await page.getByTestId("truncated").waitFor();
    expect(await page.getByTestId("truncated").textContent()).toMatch(/\d+ more/);
    const canvas = page.getByTestId("lineage-canvas");
    expect(await canvas.getByTestId("more-marker").count()).toBeGreaterThan(0);
    const count = async () =>
      Number((await page.getByTestId("graph-stats").textContent())?.match(/^(\d+) nodes/)?.[1]);
    const before = await count();
    // Activating a marked node loads the neighbours the cap left out.
    const marked = canvas.locator("button.graph-node", { has: page.getByTestId("more-marker") });
    const markedId = await marked.first().getAttribute("data-node-id");
    await marked.first().click();
    await expect.poll(count).toBeGreaterThan(before);
    expect(await canvas.locator(`[data-node-id="${markedId}"] .more-marker`).count()).toBe(0);
    await page.getByLabel("Depth").selectOption("1");
    await page.getByLabel("Max nodes").selectOption("250");
    await page.getByTestId("truncated").waitFor({ state: "detached" });
    expect(await canvas.getByTestId("more-marker").count()).toBe(0);
  });

  it("shows a version's files, references and metadata, and sets an alias", async () => {
    await page.goBack();
    await page.getByRole("heading", { name: /raw-data:v1/ }).waitFor();
    const files = page.getByRole("list", { name: "Files" });
    await files.getByText("train.csv").waitFor();
    await files.getByText("batch-2.csv").waitFor();
    await files.getByText("s3://cairn-demo/labels.parquet").waitFor();
    expect(await page.getByLabel("Metadata").textContent()).toContain('"rows": 2400');
    // Collapse a directory: its files leave the tree.
    await files.getByRole("button", { name: /extra\// }).click();
    expect(await files.getByText("batch-2.csv").count()).toBe(0);
    await files.getByRole("button", { name: /extra\// }).click();

    await page.getByLabel("Set alias").fill("production");
    await page.getByRole("button", { name: "Set alias" }).click();
    await page.getByTestId("alias").getByText("production").waitFor();
    const stored = await api.artifacts.get.query({
      entity: "admin",
      project: "pipeline",
      ref: "raw-data:production",
    });
    expect(stored.version).toBe("v1");
    await page.screenshot({ path: join(SCREENSHOTS, "version.png"), fullPage: true });
  });

  it("opens a run page with config, summary, inputs and outputs", async () => {
    await page.getByRole("link", { name: "preprocess-1" }).first().click();
    await page.getByRole("heading", { name: /Run preprocess-1/ }).waitFor();
    expect(await page.getByLabel("Config").textContent()).toContain('"normalize": true');
    await page.getByRole("link", { name: "raw-data:v1" }).waitFor();
    await page.getByRole("link", { name: "clean-data:v0" }).waitFor();
    await page.goBack();
  });

  it("shows the diff between two versions", async () => {
    await page.getByRole("link", { name: "Diff with v0" }).click();
    const totals = page.getByTestId("diff-totals");
    await totals.waitFor();
    // v0 → v1: batch-2.csv added, README.md removed, train.csv changed.
    expect(await totals.textContent()).toBe("1 added · 1 removed · 1 changed");
    await page.getByRole("row", { name: /added data\/extra\/batch-2\.csv/ }).waitFor();
    await page.getByRole("row", { name: /removed README\.md/ }).waitFor();
    await page.getByRole("row", { name: /changed data\/train\.csv/ }).waitFor();
  });

  it("signs out and forgets the key", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("cairn.apiKey"))).toBeNull();
  });
});
