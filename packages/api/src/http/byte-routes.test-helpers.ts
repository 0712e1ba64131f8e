import { createHash, randomBytes } from "node:crypto";
import { request } from "node:http";
import { Writable } from "node:stream";
import { type Services, signByteToken } from "@cairn/services";
import { pino } from "pino";

/** Random bytes and their SHA-256 (the blob digest). */
export function makeBlob(size: number): { bytes: Buffer; digest: string } {
  const bytes = randomBytes(size);
  return { bytes, digest: createHash("sha256").update(bytes).digest("hex") };
}

/** The database id of an entity (user or team) by name. */
export async function entityId(services: Services, name: string): Promise<string> {
  const row = await services.deps.db
    .selectFrom("entities")
    .select("id")
    .where("name", "=", name)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A byte-route URL with a token signed by the server's secret (what blobs.missing hands out). */
export function byteUrl(
  baseUrl: string,
  services: Services,
  claims: {
    digest: string;
    op: "put" | "get";
    entityId?: string;
    size?: number;
    expiresInSec?: number;
  },
): string {
  const token = signByteToken(services.deps.signingSecret, {
    d: claims.digest,
    op: claims.op,
    ...(claims.entityId === undefined ? {} : { e: claims.entityId }),
    ...(claims.size === undefined ? {} : { s: claims.size }),
    x: Math.floor(Date.now() / 1000) + (claims.expiresInSec ?? 300),
  });
  return `${baseUrl}/blobs/${claims.digest}?t=${encodeURIComponent(token)}`;
}

/** Owners recorded for a blob (`blob_owners` entity ids). */
export async function ownersOf(services: Services, digest: string): Promise<string[]> {
  const rows = await services.deps.db
    .selectFrom("blob_owners")
    .select("entity_id")
    .where("digest", "=", digest)
    .execute();
  return rows.map((r) => r.entity_id);
}

/** A pino logger whose JSON lines are collected in `lines`. */
export function capturingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString("utf8").split("\n")) {
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { logger: pino({ level: "debug" }, sink), lines };
}

/**
 * A PUT whose body is written by the test at its own pace (fetch cannot hold a body open).
 * `response` resolves with the status and body text once the server answers.
 */
export function openUpload(
  url: string,
  contentLength?: number,
): {
  write(chunk: Uint8Array): void;
  end(): void;
  response: Promise<{ status: number; body: string }>;
} {
  const req = request(url, {
    method: "PUT",
    headers: contentLength === undefined ? {} : { "content-length": contentLength },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
  });
  req.flushHeaders();
  return { write: (chunk) => req.write(chunk), end: () => req.end(), response };
}
