export { blobStoreConfigOf, readWorkerEnv, type WorkerEnv, workerEnvSchema } from "./env.js";
export { type RunningWorker, startWorker } from "./start-worker.js";
