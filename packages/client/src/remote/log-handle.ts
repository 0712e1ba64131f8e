import type { LoggedArtifact } from "./logged-artifact.js";

/** What a finished `logArtifact` did. */
export interface LogResult {
  artifact: LoggedArtifact;
  /** False when identical contents resolved to an existing version. */
  created: boolean;
  /** Blobs uploaded (the others were already held by the project's entity). */
  uploadedFiles: number;
  uploadedBytes: number;
}

/**
 * The handle `run.logArtifact()` returns at once: hashing, uploading and committing continue in
 * the background. Deliberately not a Promise (nor thenable), so forgetting `await handle.wait()`
 * is visible in code and a handle can be stored without being awaited by accident.
 */
export class LogHandle {
  readonly #result: Promise<LogResult>;
  #settled: LogResult | undefined;
  #failed: unknown;

  /** @internal Created by `Run`. */
  constructor(result: Promise<LogResult>) {
    this.#result = result;
    // Observed here, so a handle nobody waits on never becomes an unhandled rejection; the
    // failure is still thrown by wait() and by run.finish().
    result.then(
      (r) => {
        this.#settled = r;
      },
      (error) => {
        this.#failed = error ?? new Error("log failed");
      },
    );
  }

  /** Waits until the version is committed; returns the logged Artifact. */
  async wait(): Promise<LoggedArtifact> {
    return (await this.#result).artifact;
  }

  /** Waits and returns the details (created or reused, bytes uploaded). */
  result(): Promise<LogResult> {
    return this.#result;
  }

  /** `pending`, `logged` or `failed`, without waiting. */
  get state(): "pending" | "logged" | "failed" {
    if (this.#settled) return "logged";
    return this.#failed === undefined ? "pending" : "failed";
  }
}
