export {
  type ConformanceSubject,
  type MakeConformanceSubject,
  runBlobStoreConformance,
} from "./conformance.js";
export { expectCairnError, randomBlob, readAll, sha256Hex } from "./helpers.js";
export { type PackSubject, runPackConformance } from "./pack-conformance.js";
export { putRawS3Object, type S3TestServer, startS3TestServer } from "./s3-test-server.js";
