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
 * `createPackIndex`, migration 0006), so every server and worker process sees one index.
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

/** Where pack bytes live: pack files in a directory, or pack objects in a bucket. */
export interface PackBackend {
  /**
   * Appends `records` (each a record header followed by its payload, as one buffer) durably and
   * returns where each payload starts. The fs backend appends to its open pack (fsync once per
   * call); the S3 backend PUTs one new object per call. `sealed` says no more appends follow.
   */
  write(records: readonly Buffer[]): Promise<{
    packId: string;
    payloadOffsets: number[];
    /** The pack's durable length after this write. */
    end: number;
    sealed: boolean;
  }>;
  /** Reads `length` bytes at `offset` of a pack; `NOT_FOUND` (code) when the pack is gone. */
  read(packId: string, offset: number, length: number): Promise<Buffer>;
  /** Deletes a pack (missing is not an error). */
  remove(packId: string): Promise<void>;
  /** Every pack present, with its current length and modification time. */
  list(): AsyncIterable<{ packId: string; bytes: number; modifiedAt: Date }>;
  /** Cuts a torn tail off an abandoned pack (fs); a no-op where packs are immutable objects. */
  truncate(packId: string, bytes: number): Promise<void>;
  /** The pack this process is appending to, if any (never compacted from under its writer). */
  currentPack(): string | null;
  /** Closes the open pack, if any. */
  close(): Promise<void>;
}
