export { DOMAIN_TO_TRPC, toTrpcError } from "./error-map.js";
export { type AppRouter, appRouter } from "./root.js";
export { type Context, createCallerFactory } from "./trpc.js";
