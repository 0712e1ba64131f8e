export { TRPC_CODE_OF_STATUS, toTrpcError, trpcCodeOf } from "./error-map.js";
export {
  type CairnHttpServer,
  type CairnHttpServerOptions,
  createCairnHttpServer,
  createNodeServer,
  listenOn,
  type ShutdownOptions,
  type TlsOptions,
} from "./http/create-http-server.js";
export { checkReadiness, type ReadinessCheck, type ReadinessReport } from "./http/health-routes.js";
export { type CairnMetrics, createCairnMetrics, routeLabelOf } from "./http/metrics.js";
export { instrumentProcessors, instrumentServices } from "./http/metrics-instrument.js";
export { type MetricsServer, startMetricsServer } from "./http/metrics-server.js";
export { type AppRouter, appRouter } from "./root.js";
export { type Context, createCallerFactory } from "./trpc.js";
