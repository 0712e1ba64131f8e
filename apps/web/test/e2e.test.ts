import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningServer, serverEnvSchema, startServer } from "@cairn/server";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  buildIfStale,
  launchChromium,
  requireChromium,
  SCREENSHOT_DIR,
  watchConsole,
} from "./browser.js";
import {
  DATASET_FILES,
  IMAGE_FILES,
  PREDICTION_OUTPUTS,
  type SeedClient,
  type SeededPipeline,
  seedClient,
  seedPipeline,
} from "./seed-pipeline.js";

const started = Date.now();

describe("web app, end to end (real server, built app, headless Chromium)", () => {
  let dataDir: string;
  let server: RunningServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let console_: { take(): string[] };
  let api: SeedClient;
  let adminKey: string;
  let seeded: SeededPipeline;
  let receiver: Server | undefined;
  const at = (hash: string) => `${server.url}/${hash}`;
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOT_DIR, name) });

  beforeAll(async () => {
    requireChromium();
    buildIfStale();
    dataDir = await mkdtemp(join(tmpdir(), "cairn-web-e2e-"));
    // No CAIRN_WEB_DIR: the server must find the built app by itself (what `pnpm start` relies on).
    server = await startServer(
      serverEnvSchema.parse({
        CAIRN_DATA_DIR: dataDir,
        CAIRN_PORT: "0",
        CAIRN_LOG_LEVEL: "silent",
        // The delivery-log test's receiver listens on loopback.
        CAIRN_WEBHOOK_ALLOWED_NETWORKS: "127.0.0.1/32",
      }),
      { out: { write: () => true } },
    );
    adminKey = server.adminApiKey ?? "";
    api = seedClient(server.url, adminKey);
    const seedStart = Date.now();
    seeded = await seedPipeline(api, "admin");
    console.log(`seeded the project in ${Date.now() - seedStart} ms`);
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    browser = await launchChromium();
    context = await browser.newContext({
      viewport: { width: 1440, height: 960 },
      acceptDownloads: true,
    });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    page = await context.newPage();
    console_ = watchConsole(page);
  });

  afterEach(() => {
    // Any exception or console error other than an expected 4xx fails the test that caused it.
    expect(console_?.take() ?? []).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    receiver?.close();
    await server?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    console.log(`web e2e suite: ${Date.now() - started} ms`);
  });

  it("serves the app with a title and an icon, and says why a key is refused", async () => {
    await page.goto(server.url);
    expect(await page.title()).toBe("Sign in · Cairn");
    expect((await fetch(`${server.url}/favicon.ico`)).status).toBe(200);
    await page.getByLabel("API key").fill("not-a-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert").textContent()).resolves.toContain("cairn_<id>_<secret>");
    // Well-formed but unknown: the server says 401 and the form says so (not a silent reset).
    await page.getByLabel("API key").fill("cairn_abcdef_notTheRealSecret");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("The server did not accept that API key").waitFor();
  });

  it("signs in, lists projects, and groups and filters collections", async () => {
    await page.getByLabel("API key").fill(adminKey);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("whoami").getByText("admin (site admin)").waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("cairn.apiKey"))).toBe(adminKey);
    // The top bar links the OpenAPI description of the HTTP API.
    const apiLink = await page.getByRole("link", { name: "API", exact: true }).getAttribute("href");
    expect(apiLink).toBe("/openapi.json");
    const described = (await (await fetch(`${server.url}${apiLink}`)).json()) as {
      openapi: string;
    };
    expect(described.openapi).toMatch(/^3\.1\./);
    await page.getByRole("link", { name: "admin/pipeline" }).click();
    await page.getByRole("heading", { name: "admin/pipeline" }).waitFor();
    expect(await page.title()).toBe("admin/pipeline · Cairn");
    await page.locator(".group-head").first().waitFor();
    expect(await page.locator(".group-head").allTextContents()).toEqual([
      "dataset (2)",
      "model (1)",
      "predictions (1)",
      "report (1)",
    ]);
    // Counts collections, not rows (type headings are rows too).
    expect(await page.getByTestId("collections-status").textContent()).toBe("5 collections");
    // Any part of a type or a name matches.
    await page.getByLabel("Filter artifacts by type or name").fill("data");
    await page.getByTestId("collections-status").getByText("2 collections of 5 match").waitFor();
    await page.getByLabel("Filter artifacts by type or name").fill("zzz");
    await page.getByTestId("filter-empty").waitFor();
    await page.getByLabel("Filter artifacts by type or name").fill("");
    // Both full names are readable, not cut mid-word.
    const name = page.getByRole("link", { name: seeded.dataset, exact: true });
    expect(await name.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
  });

  it("shows runs with durations and summary metrics as sortable, formatted columns", async () => {
    const table = page.getByRole("list", { name: "Runs" });
    await table.getByRole("link", { name: "train-1" }).waitFor();
    // 0.8 + 0.05 is 0.8500000000000001 in floating point: shown as 0.85.
    expect(await page.getByText("0.8500000000000001").count()).toBe(0);
    await page.getByRole("button", { name: "val_acc" }).click(); // best first
    await expect
      .poll(async () => (await table.locator(".vlist-row").first().textContent()) ?? "")
      .toMatch(/^train-2.*0\.9/);
    expect(await table.locator(".vlist-row").first().textContent()).toMatch(/\d+(ms|\.\ds)/);
  });

  it("lists versions with files, size, description and run, and compares two picked ones", async () => {
    await page.getByRole("link", { name: seeded.dataset, exact: true }).click();
    const list = page.getByRole("list", { name: `Versions of ${seeded.dataset}` });
    await list.getByRole("link", { name: "v2", exact: true }).waitFor();
    const row = list.locator(".vlist-row").first();
    expect(await row.textContent()).toContain("2,000");
    expect(await row.textContent()).toContain("Street scenes at 224 px, fix 2");
    // The producing run by its name (its id is ingest-3).
    await row.getByRole("link", { name: "ingest batch 3" }).waitFor();
    await page.getByLabel("Compare v0").check();
    await page.getByLabel("Compare v2").check();
    await page.getByRole("button", { name: "Compare v0 and v2" }).click();
    await page.getByTestId("diff-totals").waitFor();
    expect(await page.getByTestId("diff-totals").textContent()).toBe(
      "10 added · 10 removed · 103 changed",
    );
  });

  it("diffs with filters, folder groups, a metadata diff and a virtualised table", async () => {
    // Metadata: `fix` went 0 → 2.
    await page.getByRole("table", { name: "Metadata changes" }).getByText("fix").waitFor();
    // Windowed: 123 changed paths, far fewer rows in the DOM.
    expect(await page.getByTestId("diff-row").count()).toBeLessThan(40);
    await page.getByLabel("changed (103)").uncheck();
    await page.getByLabel("removed (10)").uncheck();
    await page.getByTestId("diff-status").getByText("10 paths shown").waitFor();
    await page.getByLabel("Group by folder").check();
    await page.getByText("images/class-00/", { exact: true }).waitFor();
    // Links to both versions.
    await page.getByRole("link", { name: `${seeded.dataset}:v0` }).waitFor();
    // The same version twice: said to be identical.
    await page.goto(
      at(`#/p/admin/pipeline/diff?a=${seeded.dataset}:v2&b=${seeded.dataset}:latest`),
    );
    await page.getByTestId("diff-identical").waitFor();
  });

  it("shows folder totals from the server, searches paths, and previews files", async () => {
    await page.goto(at(`#/p/admin/pipeline/a/${seeded.dataset}/v2?tab=files`));
    expect(await page.title()).toBe(`${seeded.dataset}:v2 · admin/pipeline · Cairn`);
    const status = page.getByTestId("files-status");
    await status
      .getByText(`1,000 of ${DATASET_FILES.toLocaleString("en-US")} files loaded`)
      .waitFor();
    // The whole version's count, before the rest of the manifest is loaded.
    await page
      .getByTestId("folder-count-images")
      .getByText(`${IMAGE_FILES.toLocaleString("en-US")} files`)
      .waitFor();
    const rows = () => page.getByRole("list", { name: "Files" }).locator(".vlist-row").count();
    await page.getByRole("button", { name: "Collapse all" }).click();
    await expect.poll(rows).toBeLessThan(12);
    await page.getByRole("button", { name: "Expand all" }).click();
    await expect.poll(rows).toBeGreaterThan(12);
    await page.getByRole("button", { name: "Collapse all" }).click();
    await page.getByLabel("Find files by path").fill("img-0042");
    await page.getByTestId("search-status").getByText("1 file match").waitFor();
    await page.getByLabel("Find files by path").fill("no-such-file");
    await page.getByTestId("search-status").getByText("No file path contains").waitFor();
    await page.getByLabel("Find files by path").fill("");

    // Collapsed: the top-level files are in view.
    const files = page.getByRole("list", { name: "Files" });
    // Markdown, rendered as elements (the <script> in it stays text).
    await files.getByRole("button", { name: "README.md", exact: true }).click();
    const preview = page.getByTestId("file-preview");
    await preview.getByRole("heading", { name: "Street scenes" }).waitFor();
    await preview.getByRole("link", { name: "the labelling guide" }).waitFor();
    expect(await preview.locator("script").count()).toBe(0);
    // CSV as a paged grid.
    await files.getByRole("button", { name: "labels.csv", exact: true }).click();
    await preview
      .getByTestId("grid-page")
      .getByText(`Rows 1–50 of ${IMAGE_FILES.toLocaleString("en-US")}`)
      .waitFor();
    await preview.getByRole("button", { name: "Next" }).click();
    await preview.getByTestId("grid-page").getByText("Rows 51–100").waitFor();
    // A Cairn table.
    await files.getByRole("button", { name: "stats.table.json", exact: true }).click();
    await preview.getByRole("columnheader", { name: "mean_brightness" }).waitFor();
    // A large log: its first bytes, and a download of all of it through a signed URL.
    await page.getByLabel("Find files by path").fill("ingest.log");
    await page
      .getByRole("list", { name: "Matching files" })
      .getByRole("button", { name: "logs/ingest.log", exact: true })
      .click();
    await preview.getByTestId("preview-partial").waitFor();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      preview.getByRole("button", { name: /^Download/ }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("ingest.log");
    const bytes = await readFile((await download.path()) ?? "");
    expect(bytes.length).toBeGreaterThan(256 * 1024);
    expect(bytes.toString().split("\n")).toHaveLength(6000);
    // An image, decoded by the browser; the file stays selected across a reload.
    await page.getByLabel("Find files by path").fill("cover.png");
    await page
      .getByRole("list", { name: "Matching files" })
      .getByRole("button", { name: "meta/cover.png", exact: true })
      .click();
    await page.reload();
    const image = page.getByTestId("image-preview");
    await image.waitFor();
    await expect.poll(() => image.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(96);
    await page.getByLabel("Find files by path").fill("");
    await page.getByRole("button", { name: "Collapse all" }).click();
    await files.getByRole("button", { name: "labels.csv", exact: true }).click();
    await page.getByTestId("grid-preview").waitFor();
    await shot("file-preview.png");
  });

  it("gives copyable usage snippets for the exact version", async () => {
    await page.getByRole("tab", { name: "Usage" }).click();
    const ts = page.getByTestId("snippet-typescript");
    expect(await ts.textContent()).toContain(`useArtifact("admin/pipeline/${seeded.dataset}:v2")`);
    expect(await page.getByTestId("snippet-cli").textContent()).toContain(
      `cairn get admin/pipeline/${seeded.dataset}:v2`,
    );
    const copy = page.getByRole("button", { name: "Copy CLI snippet" });
    await copy.click();
    await expect.poll(() => copy.textContent()).toBe("Copied ✓");
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toContain(`cairn get admin/pipeline/${seeded.dataset}:v2 --root`);
    // The curl snippet runs as printed (with the key in the environment).
    const curl = (await page.getByTestId("snippet-curl").textContent()) ?? "";
    const url = /"(http[^"]+artifacts\.get[^"]+)"/.exec(curl)?.[1] ?? "";
    const res = await fetch(url, { headers: { authorization: `Bearer ${adminKey}` } });
    expect((await res.json()).result.data.version).toBe("v2");
    await shot("usage.png");
  });

  it("edits aliases without losing an unsaved description, then metadata and TTL", async () => {
    await page.getByRole("tab", { name: "Overview" }).click();
    await page.getByLabel("Description", { exact: true }).fill("Unsaved words");
    await page.getByLabel("Set alias").fill("production");
    await page.getByRole("button", { name: "Set alias" }).click();
    await page.getByText("Alias production now points at v2.").waitFor();
    await page.getByTestId("alias").getByText("production").waitFor();
    expect(await page.getByLabel("Description", { exact: true }).inputValue()).toBe(
      "Unsaved words",
    );
    // A refused alias is explained next to the alias field.
    await page.getByLabel("Set alias").fill("v7");
    await page.getByRole("button", { name: "Set alias" }).click();
    await page.locator("#alias-problem").waitFor();
    await page.getByLabel("Metadata (JSON object)").fill('{"rows": 2000, "checked": true}');
    await page.getByLabel("TTL (e.g. 30d, none, inherit)").fill("30d");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved.").waitFor();
    const stored = await api.artifacts.get.query({
      entity: "admin",
      project: "pipeline",
      ref: `${seeded.dataset}:production`,
    });
    expect(stored).toMatchObject({
      version: "v2",
      description: "Unsaved words",
      metadata: { rows: 2000, checked: true },
      ttl: "30d",
    });
  });

  it("groups a 230-output fan-out, selects nodes, and keeps the view in the URL", async () => {
    await page.goto(at("#/p/admin/pipeline/runs/predict-1"));
    await page.getByRole("heading", { name: /Run predict-1/ }).waitFor();
    // Inputs show their aliases.
    await page.getByRole("link", { name: "model:v1" }).waitFor();
    await page.getByRole("link", { name: "Lineage graph" }).click();
    const canvas = page.getByTestId("lineage-canvas");
    const group = canvas.getByRole("button", {
      name: new RegExp(`predictions ×${PREDICTION_OUTPUTS}`),
    });
    await group.waitFor();
    expect(await canvas.locator("button.graph-node").count()).toBeLessThan(12);
    await group.click();
    const details = page.getByTestId("node-details");
    expect(await details.getByRole("link").count()).toBe(PREDICTION_OUTPUTS);
    // Labels stay readable: fit-to-view does not shrink nodes below the minimum scale.
    const box = await group.boundingBox();
    expect(box?.width ?? 0).toBeGreaterThan(100);
    await shot("lineage.png");
    await canvas.getByRole("button", { name: /^run train-2/ }).click();
    await details.getByRole("link", { name: "Open run page" }).waitFor();

    // Depth 1 from the dataset: nodes beyond the limit carry "more"; expanding one sticks in the URL.
    await page.goto(at(`#/p/admin/pipeline/lineage?version=${seeded.dataset}:v2&depth=1`));
    await page.getByTestId("beyond-depth").waitFor();
    const marked = canvas.locator("button.graph-node", { has: page.getByTestId("more-marker") });
    await marked.first().waitFor();
    const count = async () =>
      Number((await page.getByTestId("graph-stats").textContent())?.match(/^(\d+) nodes/)?.[1]);
    const before = await count();
    await marked.first().click();
    await details.getByRole("button", { name: /Expand neighbours/ }).click();
    await expect.poll(count).toBeGreaterThan(before);
    expect(page.url()).toContain("&x=");
    // The mode is URL state: the radio turns checked after the route updates, not on the click
    // itself (Playwright's check() fails when the state lags), so click and wait for it.
    await page.getByLabel("Collapsed").click();
    await expect.poll(() => page.getByLabel("Collapsed").isChecked()).toBe(true);
    await page.reload();
    await expect.poll(count).toBeGreaterThan(before);
    expect(await page.getByLabel("Collapsed").isChecked()).toBe(true);
    expect(await page.getByLabel("Depth").inputValue()).toBe("1");
  });

  it("deletes a version behind a confirmation", async () => {
    await page.goto(at("#/p/admin/pipeline/a/predictions/v0"));
    await page.getByRole("button", { name: "Delete predictions:v0…" }).click();
    await page
      .getByRole("group", { name: "Confirm deletion" })
      .getByRole("button", { name: "Delete" })
      .click();
    await page.getByRole("heading", { name: "predictions", exact: true }).waitFor();
    await expect(
      api.artifacts.get.query({ entity: "admin", project: "pipeline", ref: "predictions:v0" }),
    ).rejects.toThrow();
  });

  it("shows a project's webhooks and their delivery log, and redelivers from it", async () => {
    // A loopback receiver that records the id of every event it is sent.
    const received: string[] = [];
    const hookReceiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push((JSON.parse(Buffer.concat(chunks).toString()) as { id: string }).id);
        res.writeHead(204).end();
      });
    });
    receiver = hookReceiver;
    await new Promise<void>((resolve) => hookReceiver.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(hookReceiver.address() as AddressInfo).port}/hook`;
    const where = { entity: "admin", project: "pipeline" };
    await api.hooks.create.mutate({ ...where, url, kinds: ["version.created"] });
    await api.artifacts.log.mutate({
      ...where,
      name: "hooked",
      type: "report",
      entries: [
        { path: "hooked.txt", digest: "etag-hooked", size: 1, ref: "https://example.com/h" },
      ],
    });
    await expect.poll(() => received.length, { timeout: 30_000 }).toBe(1);
    await page.goto(at("#/p/admin/pipeline"));
    await page.getByRole("link", { name: "Webhooks and delivery log" }).click();
    await page.getByRole("heading", { name: "Webhooks" }).waitFor();
    expect(await page.title()).toBe("Webhooks · admin/pipeline · Cairn");
    const hook = page.getByRole("article", { name: `Webhook ${url}` });
    await hook.getByText("version.created", { exact: true }).waitFor();
    const rows = hook.getByTestId("delivery-row");
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    const row = await rows.first().textContent();
    expect(row).toContain("version.created");
    expect(row).toContain("delivered");
    expect(row).toMatch(/HTTP 2\d\d/);
    await shot("hooks.png");
    await rows
      .first()
      .getByRole("button", { name: /^Redeliver version\.created evt_/ })
      .click();
    await expect.poll(() => rows.count()).toBe(2);
    await expect.poll(() => received.length, { timeout: 30_000 }).toBe(2);
    expect(received[1]).toBe(received[0]);
  });

  it("says a missing project once, and tells an anonymous visitor to sign in", async () => {
    await page.goto(at("#/p/admin/no-such-project"));
    await page.getByRole("alert").first().waitFor();
    expect(await page.getByRole("alert").count()).toBe(1);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("cairn.apiKey"))).toBeNull();
    await page.getByRole("button", { name: "Browse public projects without signing in" }).click();
    await page.goto(at("#/p/admin/pipeline"));
    await page
      .getByRole("alert")
      .getByText(/sign in/i)
      .waitFor();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(0);
  });

  it("works on a phone-sized screen", async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    const small = await phone.newPage();
    const watch = watchConsole(small);
    await small.goto(server.url);
    await small.getByLabel("API key").fill(adminKey);
    await small.getByRole("button", { name: "Sign in" }).click();
    await small.getByRole("link", { name: "admin/pipeline" }).waitFor();
    const noSideScroll = () =>
      small.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
    await small.goto(at(`#/p/admin/pipeline/a/${seeded.dataset}/v2?tab=files&file=README.md`));
    await small.getByTestId("markdown-preview").waitFor();
    expect(await noSideScroll()).toBe(true);
    await small.goto(at("#/p/admin/pipeline/lineage?run=predict-1"));
    const canvas = small.getByTestId("lineage-canvas");
    await canvas.locator("button.graph-node").first().waitFor();
    expect((await canvas.boundingBox())?.width ?? 0).toBeGreaterThan(340);
    expect(await noSideScroll()).toBe(true);
    await small.screenshot({ path: join(SCREENSHOT_DIR, "phone-lineage.png") });
    // Names in a table are readable by scrolling sideways, not cut.
    await small.goto(at("#/p/admin/pipeline/a/street-scenes-224"));
    const link = small.getByRole("link", { name: "v2", exact: true });
    await link.waitFor();
    expect(watch.take()).toEqual([]);
    await phone.close();
  });
});
