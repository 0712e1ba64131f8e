import { Worker } from "node:worker_threads";
import { hashFileSync, type RawHashError, type RawHashResult } from "./hash-file-sync.js";

/** Read buffer per worker: large enough that syscalls are not the bottleneck, small enough to bound memory. */
export const HASH_CHUNK_BYTES = 1024 * 1024;

/**
 * The worker's source, evaluated with `eval: true`. Shipping source text (built from the same
 * `hashFileSync` the main thread uses) instead of a worker file means the pool works the same from
 * TypeScript sources under vitest and from the compiled `dist/`, with no loader or file lookup.
 */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const crypto = require("node:crypto");
const hashFileSync = ${hashFileSync.toString()};
const buffer = Buffer.allocUnsafe(${HASH_CHUNK_BYTES});
parentPort.on("message", (task) => {
  const results = task.paths.map((p) => hashFileSync(fs, crypto, p, buffer));
  parentPort.postMessage({ id: task.id, results });
});
`;

interface Task {
  id: number;
  paths: string[];
  resolve: (results: Array<RawHashResult | RawHashError>) => void;
  reject: (err: unknown) => void;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
}

/** A bounded pool of hashing worker threads. */
export interface HashPool {
  /** Hashes a batch of files on one worker; results are in the order of `paths`. */
  hashBatch(paths: string[]): Promise<Array<RawHashResult | RawHashError>>;
  /** Terminates the workers. Pending batches are rejected. */
  close(): Promise<void>;
  /** Number of worker threads the pool may run. */
  readonly size: number;
}

/**
 * Creates a pool of at most `size` workers, started lazily on first use. Idle workers are
 * `unref`'d so an open pool never keeps the process alive; a busy one is ref'd so awaiting a
 * result does.
 */
export function createHashPool(size: number): HashPool {
  const slots: Slot[] = [];
  const queue: Task[] = [];
  let nextId = 0;
  let closed = false;

  const fail = (slot: Slot, err: unknown): void => {
    const task = slot.task;
    slot.task = undefined;
    slots.splice(slots.indexOf(slot), 1);
    task?.reject(err);
    pump();
  };

  const spawn = (): Slot => {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const slot: Slot = { worker, task: undefined };
    worker.on("message", (msg: { id: number; results: Array<RawHashResult | RawHashError> }) => {
      const task = slot.task;
      slot.task = undefined;
      worker.unref();
      if (task && task.id === msg.id) task.resolve(msg.results);
      pump();
    });
    worker.on("error", (err) => fail(slot, err));
    worker.on("exit", (code) => {
      if (slots.includes(slot)) fail(slot, new Error(`hash worker exited with code ${code}`));
    });
    worker.unref();
    slots.push(slot);
    return slot;
  };

  const pump = (): void => {
    while (queue.length > 0 && !closed) {
      let slot = slots.find((s) => s.task === undefined);
      if (!slot) {
        if (slots.length >= size) return;
        slot = spawn();
      }
      const task = queue.shift()!;
      slot.task = task;
      slot.worker.ref();
      slot.worker.postMessage({ id: task.id, paths: task.paths });
    }
  };

  return {
    size,
    hashBatch(paths) {
      if (closed) return Promise.reject(new Error("the hash pool is closed"));
      return new Promise((resolve, reject) => {
        queue.push({ id: nextId++, paths, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      for (const task of queue.splice(0)) task.reject(new Error("the hash pool was closed"));
      const all = slots.splice(0);
      for (const slot of all) slot.task?.reject(new Error("the hash pool was closed"));
      await Promise.all(all.map((slot) => slot.worker.terminate()));
    },
  };
}
