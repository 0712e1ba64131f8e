import type { JobContext, PayloadMap, Processors, ResultMap } from "@cairn/jobs";
import type { Services } from "@cairn/services";
import type { CairnMetrics } from "./metrics.js";

/**
 * The services with the blob-transfer calls counted: `blobs.missing` feeds the dedup counters,
 * `blobs.recordUpload` (called by the server's byte route), `blobs.receiveBundle` (its bundle
 * route) and `blobs.complete` (presigned
 * bucket uploads) feed the upload-bytes counter. Everything else is the same object, so this can
 * wrap the services a host serves without touching the services package.
 */
export function instrumentServices(services: Services, metrics: CairnMetrics): Services {
  const blobs = services.blobs;
  return {
    ...services,
    blobs: {
      ...blobs,
      async missing(actor, input) {
        const result = await blobs.missing(actor, input);
        // Sizes by digest: a digest listed twice is one blob, checked once.
        const sizes = new Map(input.blobs.map((b) => [b.digest, b.size]));
        let checked = 0;
        for (const size of sizes.values()) checked += size;
        let missing = 0;
        for (const m of result.missing) missing += m.size;
        metrics.countDedup(checked, checked - missing);
        return result;
      },
      async recordUpload(input) {
        await blobs.recordUpload(input);
        metrics.countUpload("server", input.size);
      },
      async receiveUpload(input) {
        await blobs.receiveUpload(input);
        metrics.countUpload("server", input.size);
      },
      async receiveBundle(input) {
        const result = await blobs.receiveBundle(input);
        metrics.countUpload("server", result.bytes);
        return result;
      },
      async complete(actor, input) {
        const result = await blobs.complete(actor, input);
        metrics.countUpload("bucket", input.size);
        return result;
      },
    },
  };
}

/**
 * The same processors, each timed into `cairn_job_duration_seconds` by queue and outcome. A
 * composition root that runs jobs (the server without CAIRN_NO_WORKERS, or a worker exposing
 * metrics) wraps `createProcessors(services)` with this before `jobs.startWorkers`.
 */
export function instrumentProcessors<P extends PayloadMap, R extends ResultMap<P>>(
  processors: Processors<P, R>,
  metrics: Pick<CairnMetrics, "observeJob">,
): Processors<P, R> {
  const wrapped: Record<string, unknown> = {};
  // Loosely typed inside: the wrapper only forwards payloads and results, whatever their queue.
  type AnyProcessor = (payload: unknown, ctx: JobContext) => Promise<unknown>;
  type AnyRegistration = AnyProcessor | { process: AnyProcessor; options?: unknown };
  for (const [queue, registration] of Object.entries(processors) as Array<
    [string, AnyRegistration | undefined]
  >) {
    if (!registration) continue;
    const process = typeof registration === "function" ? registration : registration.process;
    const timed: AnyProcessor = async (payload, ctx) => {
      const started = performance.now();
      try {
        const result = await process(payload, ctx);
        metrics.observeJob(queue, "completed", (performance.now() - started) / 1000);
        return result;
      } catch (error) {
        metrics.observeJob(queue, "failed", (performance.now() - started) / 1000);
        throw error;
      }
    };
    wrapped[queue] =
      typeof registration === "function" ? timed : { ...registration, process: timed };
  }
  return wrapped as Processors<P, R>;
}
