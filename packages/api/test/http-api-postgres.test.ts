import { describeWithServices } from "@cairn/vitest-config/services";
import { ALL_SUITES, httpSuite } from "./http-suite.js";

// Same split as the PGlite file (see there); plus BullMQ jobs on one combination, where drafts
// are merged and blobs verified by real queue workers.
await describeWithServices(["postgres"], "HTTP API on postgres × fs", () =>
  httpSuite({ label: "postgres × fs", db: "postgres", blobs: "fs" }, ALL_SUITES),
);
await describeWithServices(["postgres"], "HTTP API on postgres × s3", () =>
  httpSuite({ label: "postgres × s3", db: "postgres", blobs: "s3" }, [
    "procedures",
    "integrity",
    "refusals",
  ]),
);
await describeWithServices(["postgres", "redis"], "HTTP API on postgres × fs × bullmq", () =>
  httpSuite({ label: "postgres × fs × bullmq", db: "postgres", blobs: "fs", jobs: "bullmq" }, [
    "procedures",
    "integrity",
  ]),
);
