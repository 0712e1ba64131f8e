import { QUEUE_NAMES } from "@cairn/core";
import { BUNDLE_DOWNLOAD_PATH, type Services } from "@cairn/services";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { BUNDLE_UPLOAD_PATH } from "./bundle-upload-route.js";

/** Seconds; from a cached metadata read (~1 ms) to a long-polled draftStatus (25 s). */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds; merges take milliseconds, a 10^6-file commit or a blob-gc sweep minutes. */
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800];
/** Job states reported by `JobRunner.counts`, one gauge series each. */
const JOB_STATES = ["waiting", "delayed", "active", "failed", "completed"] as const;

/** Options of {@link createCairnMetrics}. */
export interface CairnMetricsOptions {
  /** Read on every scrape for the queue-depth gauge (`deps.jobs.counts`). */
  services: Pick<Services, "deps">;
  /** Bound of the queue-depth read, so a hung Redis cannot hang the scrape. Default 2000 ms. */
  queueDepthTimeoutMs?: number;
}

/**
 * The Prometheus metrics of one process. Each process has its own registry (no global default
 * registry: tests start several servers in one process), and Prometheus scrapes every server.
 */
export interface CairnMetrics {
  readonly registry: Registry;
  /** Records one HTTP request: its route label, method, status and duration in seconds. */
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  /** Records one job run: its queue, whether it completed or failed, and its duration in seconds. */
  observeJob(queue: string, outcome: "completed" | "failed", seconds: number): void;
  /** Counts bytes a client uploaded and the server verified (`via`: byte route or bucket). */
  countUpload(via: "server" | "bucket", bytes: number): void;
  /** Counts one `blobs.missing` answer: bytes asked about, and bytes skipped as already owned. */
  countDedup(checkedBytes: number, skippedBytes: number): void;
  /** The Prometheus text exposition (content type in {@link CairnMetrics.contentType}). */
  render(): Promise<string>;
  readonly contentType: string;
}

/** Creates the process's registry with every Cairn metric (plus Node's default process metrics). */
export function createCairnMetrics(options: CairnMetricsOptions): CairnMetrics {
  const registry = new Registry();
  const registers = [registry];
  const timeoutMs = options.queueDepthTimeoutMs ?? 2_000;

  const requests = new Histogram({
    name: "cairn_http_request_duration_seconds",
    help: "HTTP request latency by route (tRPC procedure or byte route), method and status.",
    labelNames: ["route", "method", "status"] as const,
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const jobs = new Histogram({
    name: "cairn_job_duration_seconds",
    help: "Job run time by queue and outcome (only jobs run in this process).",
    labelNames: ["queue", "outcome"] as const,
    buckets: JOB_BUCKETS,
    registers,
  });
  const uploads = new Counter({
    name: "cairn_upload_bytes_total",
    help: "Bytes uploaded by clients and verified, by path (server byte route or bucket).",
    labelNames: ["via"] as const,
    registers,
  });
  const checked = new Counter({
    name: "cairn_dedup_checked_bytes_total",
    help: "Bytes of files clients asked about in blobs.missing.",
    registers,
  });
  const skipped = new Counter({
    name: "cairn_dedup_skipped_bytes_total",
    help: "Bytes of files not uploaded because the project's entity already owned them.",
    registers,
  });
  let checkedBytes = 0;
  let skippedBytes = 0;
  new Gauge({
    name: "cairn_dedup_ratio",
    help: "Skipped / checked bytes since this process started (0 before any check).",
    registers,
    collect() {
      this.set(checkedBytes === 0 ? 0 : skippedBytes / checkedBytes);
    },
  });
  const { jobs: runner } = options.services.deps;
  new Gauge({
    name: "cairn_queue_jobs",
    help: "Jobs per queue and state, shared by every process (read from the job engine on scrape).",
    labelNames: ["queue", "state"] as const,
    registers,
    async collect() {
      // One failed read must not hide the other queues; a missing series is the signal.
      await Promise.all(
        QUEUE_NAMES.map(async (queue) => {
          const counts = await withTimeout(runner.counts(queue), timeoutMs).catch(() => null);
          if (!counts) return;
          for (const state of JOB_STATES) this.set({ queue, state }, counts[state]);
        }),
      );
    },
  });

  return {
    registry,
    contentType: registry.contentType,
    observeRequest(route, method, status, seconds) {
      requests.observe({ route, method, status: String(status) }, seconds);
    },
    observeJob(queue, outcome, seconds) {
      jobs.observe({ queue, outcome }, seconds);
    },
    countUpload(via, bytes) {
      if (bytes > 0) uploads.inc({ via }, bytes);
    },
    countDedup(checkedNow, skippedNow) {
      checkedBytes += checkedNow;
      skippedBytes += skippedNow;
      checked.inc(checkedNow);
      skipped.inc(skippedNow);
    },
    render: () => registry.metrics(),
  };
}

/**
 * The route label of a request path. Bounded cardinality: tRPC calls are labelled by procedure
 * (`trpc:artifacts.log`; a batch of several is `trpc:batch`), byte routes without their digest,
 * bundle routes as `bundles/put` and `bundles/get`.
 */
export function routeLabelOf(path: string): string {
  if (path.startsWith("/trpc/")) {
    const procedures = path.slice("/trpc/".length);
    if (procedures.includes(",")) return "trpc:batch";
    // Only names that look like procedures, so random paths cannot grow the series without bound.
    return /^[A-Za-z]+\.[A-Za-z]+$/.test(procedures) ? `trpc:${procedures}` : "trpc:unknown";
  }
  if (path.startsWith("/blobs/")) return "blobs";
  if (path === BUNDLE_UPLOAD_PATH || path === BUNDLE_DOWNLOAD_PATH) return path.slice(1);
  if (path === "/healthz" || path === "/readyz" || path === "/metrics") return path.slice(1);
  return "other";
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
