import { CairnError } from "./errors.js";

/**
 * An incremental hash. `@cairn/core` ships a pure-TypeScript SHA-256 ({@link createSha256}) so it
 * runs anywhere; the server and client inject a `node:crypto`-backed factory for speed (about 10×
 * faster with SHA-NI). Strings are hashed as their UTF-8 bytes.
 */
export interface Hasher {
  /** Feeds more bytes (strings as UTF-8). Returns the hasher so calls chain. */
  update(data: Uint8Array | string): this;
  /** Finishes the hash and returns it as lowercase hex. */
  digestHex(): string;
}

/** Creates a fresh {@link Hasher}; passed into digest functions so callers choose the engine. */
export type HasherFactory = () => Hasher;

// FIPS 180-4 §4.2.2: first 32 bits of the fractional parts of the cube roots of the first 64 primes.
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// FIPS 180-4 §5.3.3: initial hash value H(0).
const H0 = [
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Size of the scratch buffer strings are UTF-8 encoded into before hashing (no per-call allocs). */
const SCRATCH_BYTES = 4096;

class Sha256 implements Hasher {
  private readonly state = Uint32Array.from(H0);
  private readonly block = new Uint8Array(64);
  private readonly w = new Uint32Array(64);
  private blockLength = 0;
  private totalBytes = 0;
  private scratch: Uint8Array | undefined;
  private result: string | undefined;

  update(data: Uint8Array | string): this {
    if (this.result !== undefined) {
      throw new CairnError(
        "INVALID_INPUT",
        "This SHA-256 hasher was already finished with digestHex(); create a new one with createSha256() to hash more data.",
      );
    }
    if (typeof data === "string") this.updateString(data);
    else this.updateBytes(data, 0, data.length);
    return this;
  }

  digestHex(): string {
    if (this.result !== undefined) return this.result;
    const { block } = this;
    const totalBytes = this.totalBytes;
    let n = this.blockLength;
    block[n++] = 0x80;
    if (n > 56) {
      block.fill(0, n);
      this.compress(block, 0);
      n = 0;
    }
    block.fill(0, n, 56);
    // Message length in bits as a 64-bit big-endian integer, split to stay exact past 2^32 bits.
    const hi = Math.floor(totalBytes / 0x20000000);
    const lo = ((totalBytes % 0x20000000) * 8) >>> 0;
    writeUint32(block, 56, hi);
    writeUint32(block, 60, lo);
    this.compress(block, 0);
    let hex = "";
    for (const word of this.state) {
      hex += HEX[word >>> 24]! + HEX[(word >>> 16) & 0xff]! + HEX[(word >>> 8) & 0xff]!;
      hex += HEX[word & 0xff]!;
    }
    this.result = hex;
    return hex;
  }

  private updateBytes(data: Uint8Array, start: number, end: number): void {
    this.totalBytes += end - start;
    let offset = start;
    const { block } = this;
    if (this.blockLength > 0) {
      const take = Math.min(64 - this.blockLength, end - offset);
      block.set(data.subarray(offset, offset + take), this.blockLength);
      this.blockLength += take;
      offset += take;
      if (this.blockLength < 64) return;
      this.compress(block, 0);
      this.blockLength = 0;
    }
    // Whole blocks are compressed straight from the caller's buffer: no copy.
    while (end - offset >= 64) {
      this.compress(data, offset);
      offset += 64;
    }
    if (offset < end) {
      block.set(data.subarray(offset, end), 0);
      this.blockLength = end - offset;
    }
  }

  /** UTF-8 encodes into a reusable scratch buffer (lone surrogates become U+FFFD, as TextEncoder). */
  private updateString(text: string): void {
    this.scratch ??= new Uint8Array(SCRATCH_BYTES);
    const out = this.scratch;
    let n = 0;
    const length = text.length;
    for (let i = 0; i < length; i++) {
      let c = text.charCodeAt(i);
      if (n > SCRATCH_BYTES - 4) {
        this.updateBytes(out, 0, n);
        n = 0;
      }
      if (c < 0x80) {
        out[n++] = c;
      } else if (c < 0x800) {
        out[n++] = 0xc0 | (c >> 6);
        out[n++] = 0x80 | (c & 0x3f);
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const next = i + 1 < length ? text.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
            i++;
            out[n++] = 0xf0 | (c >> 18);
            out[n++] = 0x80 | ((c >> 12) & 0x3f);
            out[n++] = 0x80 | ((c >> 6) & 0x3f);
            out[n++] = 0x80 | (c & 0x3f);
            continue;
          }
          c = 0xfffd;
        }
        out[n++] = 0xe0 | (c >> 12);
        out[n++] = 0x80 | ((c >> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
      }
    }
    if (n > 0) this.updateBytes(out, 0, n);
  }

  /** FIPS 180-4 §6.2.2 on the 64 bytes of `data` at `offset`. */
  private compress(data: Uint8Array, offset: number): void {
    const { w, state } = this;
    for (let t = 0; t < 16; t++) {
      const j = offset + t * 4;
      w[t] = (data[j]! << 24) | (data[j + 1]! << 16) | (data[j + 2]! << 8) | data[j + 3]!;
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15]!;
      const y = w[t - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
    }
    let a = state[0]!;
    let b = state[1]!;
    let c = state[2]!;
    let d = state[3]!;
    let e = state[4]!;
    let f = state[5]!;
    let g = state[6]!;
    let h = state[7]!;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + K[t]! + w[t]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    state[0] = state[0]! + a;
    state[1] = state[1]! + b;
    state[2] = state[2]! + c;
    state[3] = state[3]! + d;
    state[4] = state[4]! + e;
    state[5] = state[5]! + f;
    state[6] = state[6]! + g;
    state[7] = state[7]! + h;
  }
}

function writeUint32(target: Uint8Array, offset: number, value: number): void {
  target[offset] = value >>> 24;
  target[offset + 1] = (value >>> 16) & 0xff;
  target[offset + 2] = (value >>> 8) & 0xff;
  target[offset + 3] = value & 0xff;
}

/**
 * Creates a streaming SHA-256 (FIPS 180-4) in pure TypeScript. Feed it with `update` in chunks of
 * any size, then call `digestHex` once; `update` after `digestHex` throws (INVALID_INPUT).
 *
 * @example createSha256().update("a").update(bytes).digestHex()
 */
export function createSha256(): Hasher {
  return new Sha256();
}

/** Lowercase hex SHA-256 of `data` (strings hashed as UTF-8). */
export function sha256Hex(data: Uint8Array | string): string {
  return new Sha256().update(data).digestHex();
}
