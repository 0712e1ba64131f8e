export {
  ADMIN_KEY_FILE,
  blobStoreConfigOf,
  databaseConfigOf,
  publicUrlOf,
  tlsOptionsOf,
} from "./config.js";
export { readServerEnv, type ServerEnv, serverEnvSchema } from "./env.js";
export { type RunningServer, type StartServerOptions, startServer } from "./start-server.js";
