import { describeWithServices } from "@cairn/vitest-config/services";
import { describe } from "vitest";
import { httpConformance } from "./byte-route-suite.test-helpers.js";

describe("HTTP host on PGlite, a directory store and in-process jobs", () => {
  httpConformance({ db: "pglite", blobs: "fs", jobs: "inprocess" });
});

await describeWithServices(
  ["postgres", "redis"],
  "HTTP host on PostgreSQL, S3 (s3rver) and BullMQ",
  () => {
    httpConformance({ db: "postgres", blobs: "s3", jobs: "bullmq" });
  },
);
