import { randomBytes } from "node:crypto";
import { run } from "./processes.js";

/** Redis for the scale-out scenarios: `BENCH_REDIS_URL`, else `REDIS_URL`, else local. */
export function redisUrl(): string {
  return process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
}

/** A queue prefix of one run, so concurrent test suites on the same Redis never see its jobs. */
export function uniqueQueuePrefix(): string {
  return `cairn-bench-${randomBytes(4).toString("hex")}`;
}

/** Deletes every key under `prefix` (BullMQ queues, schedulers) with redis-cli. */
export async function deleteQueueKeys(prefix: string): Promise<void> {
  const url = redisUrl();
  await run(
    "sh",
    [
      "-c",
      `redis-cli -u "$URL" --scan --pattern "$PREFIX:*" | xargs -r -n 500 redis-cli -u "$URL" del > /dev/null`,
    ],
    { URL: url, PREFIX: prefix },
  );
}
