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
