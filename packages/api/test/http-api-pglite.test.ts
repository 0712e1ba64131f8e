import { describe } from "vitest";
import { ALL_SUITES, httpSuite } from "./http-suite.js";

// Access rules and commit races depend on the database, not the blob store: the s3 combination
// runs what the store changes (byte transfer, integrity, byte-route refusals) plus every procedure.
describe("HTTP API on pglite × fs", () =>
  httpSuite({ label: "pglite × fs", db: "pglite", blobs: "fs" }, ALL_SUITES));
describe("HTTP API on pglite × s3", () =>
  httpSuite({ label: "pglite × s3", db: "pglite", blobs: "s3" }, [
    "procedures",
    "integrity",
    "refusals",
  ]));
