import { createHash, randomBytes } from "node:crypto";
import type { Readable } from "node:stream";
import { expect } from "vitest";

/** Random bytes and their digest. */
export function randomBlob(size: number): { bytes: Buffer; digest: string } {
  const bytes = randomBytes(size);
  return { bytes, digest: sha256Hex(bytes) };
}

/** Lowercase hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Reads a whole stream into one buffer. */
export async function readAll(stream: Readable | AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Asserts that `promise` rejects with a CairnError of `code`, and returns the error. */
export async function expectCairnError(promise: Promise<unknown>, code: string): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, `expected a CairnError ${code}`).toMatchObject({ name: "CairnError", code });
  return error as Error;
}
