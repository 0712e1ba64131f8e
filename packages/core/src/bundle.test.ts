import { describe, expect, it } from "vitest";
import {
  BUNDLE_MAX_BLOB_SIZE,
  BUNDLE_MAX_BLOBS,
  BUNDLE_MAX_BYTES,
  type BundleBlob,
  encodeBundleHeader,
  parseBundleHeader,
  planBundles,
  readBundle,
  readBundlePart,
} from "./index.js";

const d = (n: number) => n.toString(16).padStart(64, "0");
const bytes = (text: string) => new TextEncoder().encode(text);

async function* chunks(parts: Uint8Array[], size = 3): AsyncGenerator<Uint8Array> {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  for (let i = 0; i < all.length; i += size) yield all.subarray(i, i + size);
}

async function readAll(source: AsyncIterable<Uint8Array>) {
  const out: Array<{ digest: string; size: number; text: string }> = [];
  for await (const part of readBundle(source)) {
    const text = new TextDecoder().decode(await readBundlePart(part));
    out.push({ digest: part.digest, size: part.size, text });
  }
  return out;
}

describe("bundle format", () => {
  it("round-trips blobs across arbitrary chunk boundaries, including empty blobs", async () => {
    const blobs: BundleBlob[] = [
      { digest: d(1), size: 5 },
      { digest: d(2), size: 0 },
      { digest: d(3), size: 11 },
    ];
    for (const size of [1, 2, 7, 1000]) {
      const parts = [encodeBundleHeader(blobs), bytes("hello"), bytes("hello world")];
      expect(await readAll(chunks(parts, size))).toEqual([
        { digest: d(1), size: 5, text: "hello" },
        { digest: d(2), size: 0, text: "" },
        { digest: d(3), size: 11, text: "hello world" },
      ]);
    }
  });

  it("refuses a truncated body naming the blob, and trailing bytes", async () => {
    const header = encodeBundleHeader([{ digest: d(1), size: 5 }]);
    await expect(readAll(chunks([header, bytes("hel")]))).rejects.toThrow(
      /ended 2 bytes before the end of blob 0+1/,
    );
    await expect(readAll(chunks([header, bytes("hello!")]))).rejects.toThrow(
      /bytes follow the last listed blob/,
    );
    await expect(readAll(chunks([bytes('{"blobs":[]')]))).rejects.toThrow(/before the header/);
  });

  it("refuses malformed and oversized headers with the rule that was broken", () => {
    expect(() => parseBundleHeader("nope")).toThrow(/not JSON/);
    expect(() => parseBundleHeader("{}")).toThrow(/no "blobs" array/);
    expect(() => parseBundleHeader('{"blobs":[]}')).toThrow(/no blobs/);
    expect(() => parseBundleHeader('{"blobs":[{"digest":"ABC","size":1}]}')).toThrow(
      /valid digest/,
    );
    expect(() => parseBundleHeader(`{"blobs":[{"digest":"${d(1)}","size":-1}]}`)).toThrow(
      /invalid size/,
    );
    expect(() => encodeBundleHeader([{ digest: d(1), size: BUNDLE_MAX_BLOB_SIZE + 1 }])).toThrow(
      /send it on its own/,
    );
    const many = Array.from({ length: BUNDLE_MAX_BLOBS + 1 }, (_, i) => ({
      digest: d(i),
      size: 1,
    }));
    expect(() => encodeBundleHeader(many)).toThrow(/more than 1000/);
    const heavy = Array.from({ length: 9 }, (_, i) => ({
      digest: d(i),
      size: BUNDLE_MAX_BLOB_SIZE,
    }));
    expect(() => encodeBundleHeader(heavy)).toThrow(/split it/);
  });

  it("plans bundles in order within the count and byte limits", () => {
    const blobs = Array.from({ length: 2500 }, (_, i) => ({ digest: d(i), size: 10 }));
    const plan = planBundles(blobs);
    expect(plan.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(plan.flat()).toEqual(blobs);
    const bySize = planBundles(blobs.slice(0, 10), 35);
    expect(bySize.map((b) => b.length)).toEqual([3, 3, 3, 1]);
    const big = [
      { digest: d(1), size: BUNDLE_MAX_BYTES },
      { digest: d(2), size: 1 },
    ];
    expect(planBundles(big, 100).map((b) => b.length)).toEqual([1, 1]);
  });
});
