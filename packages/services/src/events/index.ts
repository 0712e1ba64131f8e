export {
  type ResolvedWebhookConfig,
  resolveWebhookConfig,
  type WebhookConfig,
  type WebhookEnv,
  webhookConfigOf,
  webhookEnvShape,
} from "./config.js";
export { type DeliverResult, deliverHook } from "./deliver.js";
export { type Dispatcher, dispatchDueDeliveries, startDispatcher } from "./dispatcher.js";
export { type EmitContext, type EventDraft, emitEvents } from "./emit.js";
export {
  type CreatedHook,
  createHooksService,
  type DeliveryInfo,
  type EventPage,
  type HookInfo,
} from "./hooks-service.js";
export * from "./inputs.js";
export { type PruneEventsResult, pruneEvents } from "./prune.js";
export { generateSecret, SECRET_PREFIX, signatureValid, signedHeaders } from "./signing.js";
export {
  addressAllowed,
  checkUrlForm,
  resolveTarget,
  type WebhookUrlPolicy,
} from "./url-policy.js";
