import { createHash } from "node:crypto";
import type { Hasher, HasherFactory } from "@cairn/core";

/** SHA-256 from `node:crypto` (OpenSSL, SHA-NI) for core's digest builders. */
export const nodeSha256: HasherFactory = () => {
  const hash = createHash("sha256");
  const hasher: Hasher = {
    update(data) {
      hash.update(data);
      return hasher as never;
    },
    digestHex: () => hash.digest("hex"),
  };
  return hasher;
};
