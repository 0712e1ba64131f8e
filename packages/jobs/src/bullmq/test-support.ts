import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";

/** A prefix no other test uses, so parallel test files never see each other's jobs. */
export function uniquePrefix(label: string): string {
  return `cairn-test-${label}-${randomUUID().slice(0, 8)}`;
}

/** Removes every key of the given queues under `prefix` (bullmq's own tests do this after each). */
export async function obliterate(url: string, prefix: string, queues: readonly string[]) {
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  try {
    for (const name of queues) {
      const queue = new Queue(name, { connection, prefix });
      await queue.obliterate({ force: true });
      await queue.close();
    }
  } finally {
    await connection.quit();
  }
}
