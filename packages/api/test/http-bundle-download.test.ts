import { BUNDLE_MAX_BLOB_SIZE, BUNDLE_MAX_BLOBS, readBundle } from "@cairn/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  clientFor,
  type Harness,
  type HttpUser,
  newUser,
  randomFile,
  sha256,
  startHarness,
  uniqueName,
  uploadFiles,
} from "./http.test-helpers.js";

let harness: Harness;
let owner: HttpUser;
let P: { entity: string; project: string };
const files = Object.fromEntries(
  Array.from({ length: 5 }, (_, i) => [`f${i}.bin`, randomFile(1000 + i * 333).bytes]),
);
const other = randomFile(2048).bytes;
const big = randomFile(BUNDLE_MAX_BLOB_SIZE + 1).bytes;

beforeAll(async () => {
  harness = await startHarness({ label: "pglite × fs", db: "pglite", blobs: "fs" });
  owner = await newUser(harness, clientFor(harness, harness.server.adminKey), "bundles");
  P = { entity: owner.name, project: uniqueName("p") };
  const c = owner.client.api;
  await c.projects.create.mutate({ entity: P.entity, name: P.project });
  const entries = await uploadFiles(owner.client, P, files);
  await c.artifacts.log.mutate({ ...P, name: "small", type: "dataset", entries });
  const otherEntries = await uploadFiles(owner.client, P, { "o.bin": other, "big.bin": big });
  await c.artifacts.log.mutate({ ...P, name: "other", type: "dataset", entries: otherEntries });
}, 60_000);
afterAll(async () => {
  await harness?.server.close();
});

async function bundleUrlOf(name: string, digest: string): Promise<string> {
  const answer = await owner.client.api.artifacts.fileUrlsBatch.mutate({
    ...P,
    ref: `${name}:v0`,
    digests: [digest],
  });
  expect(answer.bundle).toMatchObject({
    maxBlobs: BUNDLE_MAX_BLOBS,
    maxBlobSize: BUNDLE_MAX_BLOB_SIZE,
  });
  return answer.bundle!.url;
}

function post(url: string, body: unknown, method = "POST"): Promise<Response> {
  return fetch(url, {
    method,
    headers: { "content-type": "application/json" },
    ...(method === "POST" ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
  });
}

async function refusal(response: Response, status: number, code: string): Promise<string> {
  const text = await response.text();
  let body: { error: { code: string; message: string } };
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`HTTP ${response.status}, not JSON: ${text.slice(0, 300)}`);
  }
  expect(response.status).toBe(status);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(20);
  return body.error.message;
}

describe("POST /bundles/get", () => {
  it("answers the requested blobs of the version in order: a header line, then their bytes", async () => {
    const digests = Object.values(files).map(sha256).reverse();
    const url = await bundleUrlOf("small", digests[0]!);
    const response = await post(url, { digests });
    expect(response.status).toBe(200);
    const seen: string[] = [];
    for await (const part of readBundle(response.body as unknown as AsyncIterable<Uint8Array>)) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of part.body) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      expect(bytes.length).toBe(part.size);
      expect(sha256(bytes)).toBe(part.digest);
      seen.push(part.digest);
    }
    expect(seen).toEqual(digests);
  });

  it("serves only stored files of the version its token was issued for", async () => {
    const mine = sha256(files["f0.bin"]!);
    const url = await bundleUrlOf("small", mine);
    // A blob of another version of the same project, which the token does not cover.
    const message = await refusal(
      await post(url, { digests: [mine, sha256(other)] }),
      403,
      "FORBIDDEN",
    );
    expect(message).toContain(sha256(other));
    // A per-blob download token is no bundle token, and a forged one is refused.
    const { urls } = await owner.client.api.artifacts.fileUrlsBatch.mutate({
      ...P,
      ref: "small:v0",
      digests: [mine],
    });
    const blobToken = new URL(urls[0]!.url).searchParams.get("t")!;
    const withBlobToken = `${harness.server.baseUrl}/bundles/get?t=${encodeURIComponent(blobToken)}`;
    await refusal(await post(withBlobToken, { digests: [mine] }), 403, "FORBIDDEN");
    const token = new URL(url).searchParams.get("t")!;
    const [payload] = token.split(".");
    const forged = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload!, "base64url").toString()),
        d: "manifest:999999",
      }),
    ).toString("base64url");
    const forgedUrl = `${harness.server.baseUrl}/bundles/get?t=${forged}.${token.split(".")[1]}`;
    await refusal(await post(forgedUrl, { digests: [mine] }), 401, "UNAUTHORIZED");
    await refusal(
      await post(`${harness.server.baseUrl}/bundles/get`, { digests: [mine] }),
      401,
      "UNAUTHORIZED",
    );
  });

  it("refuses malformed requests with a 4xx that says what to send", async () => {
    const mine = sha256(files["f0.bin"]!);
    const url = await bundleUrlOf("small", mine);
    await refusal(await post(url, null, "GET"), 405, "METHOD_NOT_SUPPORTED");
    await refusal(await post(url, "{not json"), 400, "INVALID_INPUT");
    await refusal(await post(url, { digests: [] }), 400, "INVALID_INPUT");
    await refusal(await post(url, { blobs: [mine] }), 400, "INVALID_INPUT");
    await refusal(await post(url, { digests: ["abc"] }), 400, "INVALID_INPUT");
    await refusal(await post(url, { digests: [mine, mine] }), 400, "INVALID_INPUT");
    const tooMany = Array.from({ length: BUNDLE_MAX_BLOBS + 1 }, (_, i) => sha256(String(i)));
    expect(await refusal(await post(url, { digests: tooMany }), 400, "INVALID_INPUT")).toContain(
      String(BUNDLE_MAX_BLOBS),
    );
  });

  it("refuses a blob bigger than a bundle carries: it is fetched on its own", async () => {
    const url = await bundleUrlOf("other", sha256(other));
    const message = await refusal(
      await post(url, { digests: [sha256(other), sha256(big)] }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    expect(message).toContain(sha256(big));
  });
});
