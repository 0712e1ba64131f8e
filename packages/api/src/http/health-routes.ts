import type { ServerResponse } from "node:http";
import type { Services } from "@cairn/services";
import type { Logger } from "pino";
import { sendJson } from "./http-errors.js";

/** One readiness probe's outcome. */
export interface ReadinessCheck {
  ok: boolean;
  ms: number;
  /** Why the check failed (never a secret: engine messages are redacted by their adapters). */
  error?: string;
}

/** The body of `/readyz`. */
export interface ReadinessReport {
  ok: boolean;
  checks: { db: ReadinessCheck; blobs: ReadinessCheck; jobs: ReadinessCheck };
}

/** A digest no store holds (all zeros): `has` on it exercises the store without side effects. */
const PROBE_DIGEST = "0".repeat(64);
/** A probe slower than this counts as failed, so a hung engine cannot hang the load balancer's probe. */
const DEFAULT_CHECK_TIMEOUT_MS = 2_000;

/**
 * Checks each engine a request may need: a `select 1` on the metadata store, the blob store
 * (`has` of a dummy digest) and the job runner (`counts` of one queue). Runs them in parallel,
 * each bounded by `timeoutMs`.
 */
export async function checkReadiness(
  services: Services,
  timeoutMs = DEFAULT_CHECK_TIMEOUT_MS,
): Promise<ReadinessReport> {
  const { db, blobs, jobs } = services.deps;
  const [dbCheck, blobsCheck, jobsCheck] = await Promise.all([
    timed(() => db.selectNoFrom((eb) => eb.lit(1).as("one")).execute(), timeoutMs),
    timed(() => blobs.has(PROBE_DIGEST), timeoutMs),
    timed(() => jobs.counts("upsert"), timeoutMs),
  ]);
  const checks = { db: dbCheck, blobs: blobsCheck, jobs: jobsCheck };
  return { ok: dbCheck.ok && blobsCheck.ok && jobsCheck.ok, checks };
}

/** `/healthz`: the process is up and serving (liveness; no dependency is touched). */
export function serveLiveness(res: ServerResponse): void {
  sendJson(res, 200, { ok: true });
}

/** `/readyz`: 200 when every engine answers, else 503 naming the failed checks. */
export async function serveReadiness(
  services: Services,
  logger: Logger,
  res: ServerResponse,
  timeoutMs?: number,
): Promise<void> {
  const report = await checkReadiness(services, timeoutMs);
  if (report.ok) {
    sendJson(res, 200, report);
    return;
  }
  const failed = Object.entries(report.checks)
    .filter(([, check]) => !check.ok)
    .map(([name]) => name);
  logger.warn({ failed, checks: report.checks }, "readiness check failed");
  sendJson(res, 503, {
    ...report,
    error: {
      code: "UNAVAILABLE",
      message: `Not ready: ${failed.join(", ")} check failed; see "checks" for the reason.`,
    },
  });
}

async function timed(work: () => Promise<unknown>, timeoutMs: number): Promise<ReadinessCheck> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      work(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, ms: Math.round(performance.now() - started), error: message };
  } finally {
    clearTimeout(timer);
  }
}
