export type {
  BullmqConnection,
  BullmqRunnerOptions,
  BullmqWorkerSettings,
} from "./bullmq/bullmq-runner.js";
export { createBullmqRunner } from "./bullmq/bullmq-runner.js";
export {
  decodeFailureReason,
  encodeFailureReason,
  isJobFailedError,
  isPermanentFailure,
  JobFailedError,
  permanentFailure,
} from "./failure.js";
export {
  createInProcessRunner,
  type InProcessRunnerOptions,
} from "./in-process/in-process-runner.js";
export { DEFAULT_RETENTION, type RetentionOptions } from "./retention-options.js";
export type {
  EnqueueOptions,
  ErrorSink,
  JobContext,
  JobCounts,
  JobProcessor,
  JobRunner,
  PayloadMap,
  PayloadSchema,
  PayloadSchemas,
  ProcessorOptions,
  ProcessorRegistration,
  Processors,
  QueueName,
  ResultMap,
  ScheduleOptions,
} from "./types.js";
