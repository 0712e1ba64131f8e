export * from "./actor.js";
export * from "./api-keys.js";
export * from "./byte-tokens.js";
export * from "./create-services.js";
export * from "./deps.js";
export * from "./project-access.js";
export * from "./signing-secret.js";
