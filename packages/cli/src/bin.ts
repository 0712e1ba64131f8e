#!/usr/bin/env node
import { runCli } from "./program.js";

// The composition root: the only place that reads process.env and the real streams.
const code = await runCli(process.argv.slice(2), {
  streams: { stdout: process.stdout, stderr: process.stderr },
  env: process.env,
});
// `cairn server` / `cairn worker` return after a signal; everything else exits with its code.
process.exitCode = code;
