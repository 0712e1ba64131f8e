export {
  type EventStreamBlock,
  type EventStreamRead,
  readEventStream,
} from "./event-stream.js";
export { deleteRedisKeys } from "./redis-cleanup.js";
export { referenceEntry, TEST_PROJECT } from "./reference-entry.js";
export {
  startTestServer,
  type TestBlobLocation,
  type TestServer,
  type TestServerOptions,
} from "./start-test-server.js";
export {
  type ReceivedWebhook,
  startWebhookReceiver,
  verifyStandardWebhook,
  type WebhookReceiver,
} from "./webhook-receiver.js";
