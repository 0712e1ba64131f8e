/** A verified upload (or proof of possession) to record as ownership. */
export interface UploadRecord {
  digest: string;
  size: number;
  entityId: string;
}
