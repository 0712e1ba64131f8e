import { type FileHandle, open } from "node:fs/promises";
import { CairnError } from "@cairn/core";

/** A writable file created inside an artifact draft by `artifact.newFile(name)`. */
export interface ArtifactFileWriter {
  /** The entry path inside the artifact. */
  readonly path: string;
  /** Where the bytes are written on this machine (a temp file owned by the artifact). */
  readonly localPath: string;
  /** Appends data (strings as UTF-8). Writes are applied in call order. */
  write(data: string | Uint8Array): Promise<void>;
  /** Flushes and closes the file; further writes are refused. Idempotent. */
  close(): Promise<void>;
  /** True once closed. */
  readonly closed: boolean;
}

/**
 * Creates the writer of a `newFile` entry. The file already exists (empty) when this is called;
 * writes are chained on one promise so concurrent `write()` calls without `await` still land in
 * order, and `close()` waits for them.
 */
export function createFileWriter(path: string, localPath: string): ArtifactFileWriter {
  let handle: Promise<FileHandle> | undefined;
  let chain: Promise<void> = Promise.resolve();
  let closed = false;

  const getHandle = (): Promise<FileHandle> => {
    handle ??= open(localPath, "a");
    return handle;
  };

  return {
    path,
    localPath,
    get closed() {
      return closed;
    },
    write(data) {
      if (closed) {
        return Promise.reject(
          new CairnError(
            "INVALID_INPUT",
            `The artifact file ${path} is closed: it cannot be written any more. Write before close(), or create another file with newFile().`,
          ),
        );
      }
      const next = chain.then(async () => {
        const fh = await getHandle();
        await fh.appendFile(data);
      });
      // A failed write fails its own promise; the chain continues so close() still completes.
      chain = next.catch(() => undefined);
      return next;
    },
    async close() {
      if (closed) return;
      closed = true;
      await chain;
      if (handle) await (await handle).close();
    },
  };
}
