export {
  CONFORMANCE_QUEUES,
  type ConformanceHooks,
  type ConformancePayloads,
  type ConformanceRunnerFactory,
  type ConformanceRunnerOptions,
  runJobRunnerConformance,
} from "./conformance.js";
