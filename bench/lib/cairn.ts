import { join } from "node:path";
import { Cairn, type CairnTrpcClient } from "@cairn/client";
import { createCairnTrpcClient } from "@cairn/client/internal";

/** The entity and project every scenario writes to (the bootstrap admin's own). */
export const BENCH_ENTITY = "admin";
export const BENCH_PROJECT = "bench";

/** A typed tRPC client signed in as the server's admin (for scenarios that bypass the SDK). */
export function adminTrpc(baseUrl: string, apiKey: string): CairnTrpcClient {
  return createCairnTrpcClient({ baseUrl, apiKey, retry: {} });
}

/** Creates the `admin/bench` project on a fresh server. */
export async function createBenchProject(trpc: CairnTrpcClient): Promise<void> {
  await trpc.projects.create.mutate({
    entity: BENCH_ENTITY,
    name: BENCH_PROJECT,
    visibility: "private",
  });
}

/**
 * An SDK client for the bench project with its own cache directory. The env is empty and the
 * config file path points into `cacheDir`, so a developer's `~/.config/cairn` or `CAIRN_*`
 * variables never change what is measured.
 */
export function benchClient(baseUrl: string, apiKey: string, cacheDir: string): Cairn {
  return new Cairn({
    baseUrl,
    apiKey,
    entity: BENCH_ENTITY,
    project: BENCH_PROJECT,
    cacheDir,
    env: {},
    configPath: join(cacheDir, "no-config.json"),
  });
}
