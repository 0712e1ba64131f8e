import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSha256, isCairnError, sha256Hex } from "./index.js";

const nodeSha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

describe("sha256Hex — NIST FIPS 180-4 / CAVP vectors", () => {
  it("hashes the empty message", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(sha256Hex(new Uint8Array(0))).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
  });

  it('hashes "abc"', () => {
    expect(sha256Hex("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("hashes the 448-bit message (padding spills into a second block)", () => {
    expect(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  it("hashes the 896-bit message", () => {
    const msg =
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    expect(sha256Hex(msg)).toBe("cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  });

  it('hashes 1,000,000 × "a" fed in 1000-byte chunks', () => {
    const chunk = new Uint8Array(1000).fill(0x61);
    const hasher = createSha256();
    for (let i = 0; i < 1000; i++) hasher.update(chunk);
    expect(hasher.digestHex()).toBe(
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
    );
    expect(sha256Hex("a".repeat(1_000_000))).toBe(
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
    );
  });
});

describe("createSha256 — streaming", () => {
  const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31 + 7) & 0xff);
  const expected = nodeSha256(data);

  it("gives the same digest for every split at odd boundaries", () => {
    for (const sizes of [[1], [3, 61], [63, 1, 64, 65], [7], [127, 129], [55, 1, 8], [1000]]) {
      const hasher = createSha256();
      let offset = 0;
      let i = 0;
      while (offset < data.length) {
        const size = sizes[i++ % sizes.length]!;
        hasher.update(data.subarray(offset, offset + size));
        offset += size;
      }
      expect(hasher.digestHex(), `chunk sizes ${sizes.join(",")}`).toBe(expected);
    }
  });

  it("hashes every message length around the 55/56/64-byte padding edges", () => {
    for (let length = 0; length <= 200; length++) {
      const bytes = data.subarray(0, length);
      expect(sha256Hex(bytes), `length ${length}`).toBe(nodeSha256(bytes));
    }
  });

  it("matches node:crypto for random byte arrays split randomly", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.nat(130), { maxLength: 10 }),
        (bytes, cuts) => {
          const hasher = createSha256();
          let offset = 0;
          for (const cut of cuts) {
            hasher.update(bytes.subarray(offset, offset + cut));
            offset = Math.min(bytes.length, offset + cut);
          }
          hasher.update(bytes.subarray(offset));
          expect(hasher.digestHex()).toBe(nodeSha256(bytes));
        },
      ),
    );
  });

  it("hashes strings as UTF-8, including astral characters and long strings", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        expect(sha256Hex(text)).toBe(nodeSha256(text));
      }),
    );
    const long = "ä😀€x".repeat(3000); // crosses the 4 KiB scratch buffer many times
    expect(sha256Hex(long)).toBe(nodeSha256(long));
  });

  it("encodes lone surrogates as U+FFFD, like TextEncoder", () => {
    expect(sha256Hex("a\ud800b")).toBe(nodeSha256(new TextEncoder().encode("a\ud800b")));
    expect(sha256Hex("\udc00")).toBe(sha256Hex("\ufffd"));
  });

  it("mixes strings and bytes in one stream", () => {
    const hasher = createSha256().update("héllo ").update(new TextEncoder().encode("wörld"));
    expect(hasher.digestHex()).toBe(nodeSha256("héllo wörld"));
  });

  it("returns the same digest twice and refuses updates after finishing", () => {
    const hasher = createSha256().update("abc");
    const first = hasher.digestHex();
    expect(hasher.digestHex()).toBe(first);
    let caught: unknown;
    try {
      hasher.update("more");
    } catch (err) {
      caught = err;
    }
    expect(isCairnError(caught, "INVALID_INPUT")).toBe(true);
    expect((caught as Error).message).toMatch(/createSha256/);
  });

  it("hashes 16 MiB in reasonable time", () => {
    const big = new Uint8Array(16 * 1024 * 1024).fill(7);
    const started = performance.now();
    const digest = sha256Hex(big);
    const elapsed = performance.now() - started;
    expect(digest).toBe(nodeSha256(big));
    expect(elapsed).toBeLessThan(5000);
  });
});
