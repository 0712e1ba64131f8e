/**
 * The pack index contract: `@cairn/blobs` keeps small blobs in packs and looks them up through a
 * {@link PackIndex}; `@cairn/db` implements it in Cairn's database (`createPackIndex`, migration
 * 0006). It lives here, below both, so neither package depends on the other.
 */

/** Where one packed blob's record payload lives. */
export interface PackEntry {
  digest: string;
  packId: string;
  /** Byte offset of the record's payload in the pack. */
  offset: number;
  /** Stored payload bytes (ciphertext when encrypted). */
  length: number;
  /** Plaintext bytes. */
  size: number;
  /** Last write (or re-put) of the blob; GC grace periods and `list` read it. */
  writtenAt: Date;
}

/** One pack as the index sees it. */
export interface PackStats {
  packId: string;
  /** Durable length: every byte before it was made durable before the index said so. */
  bytes: number;
  sealed: boolean;
  updatedAt: Date;
  /** Payload bytes still referenced by entries. */
  liveBytes: number;
  liveCount: number;
}

/** A conditional move of an entry from one record to a copy of it (compaction). */
export interface PackMove {
  digest: string;
  from: { packId: string; offset: number };
  to: { packId: string; offset: number; length: number };
}

/**
 * The pack index: digest → (pack, offset, length). Cairn keeps it in its database (`@cairn/db`'s
 * `createPackIndex`), so every server and worker process sees one index.
 */
export interface PackIndex {
  lookup(digests: readonly string[]): Promise<Map<string, PackEntry>>;
  /** One transaction: the pack is durable up to `bytes` and holds `entries` (existing digests keep their record). */
  record(
    packId: string,
    bytes: number,
    entries: ReadonlyArray<Omit<PackEntry, "writtenAt" | "packId">>,
    options?: { sealed?: boolean },
  ): Promise<void>;
  /** Moves entries still at `from` (one transaction with the target's durable length); returns how many moved. */
  move(packId: string, bytes: number, moves: readonly PackMove[]): Promise<number>;
  remove(digests: readonly string[]): Promise<void>;
  /** Entries in digest order after `after`. */
  page(after: string, limit: number): Promise<PackEntry[]>;
  /** Live entries of one pack, in offset order. */
  entriesOf(packId: string): Promise<PackEntry[]>;
  packs(): Promise<PackStats[]>;
  seal(packId: string): Promise<void>;
  /** Deletes the pack's row if nothing points into it; true when deleted. */
  dropPack(packId: string): Promise<boolean>;
  packExists(packId: string): Promise<boolean>;
}
