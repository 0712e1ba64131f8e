import {
  CairnError,
  type ManifestEntry,
  nameForPrefixObject,
  nameForReference,
  type ParsedReferenceUri,
} from "@cairn/core";

/** What {@link resolveBucketReference} needs from one object store (S3 or GCS). */
export interface BucketListing<O> {
  /** `s3` or `gs`, for URIs in messages. */
  scheme: string;
  bucket: string;
  key: string;
  /** The object named exactly `key`, or undefined when there is none. */
  head(bucket: string, key: string): Promise<O | undefined>;
  /** Objects under `prefix`: at most `limit + 1`, so a listing past the limit is detectable. */
  list(bucket: string, prefix: string, limit: number): Promise<O[]>;
  /** The object's key in the bucket. */
  keyOf(object: O): string;
  toEntry(bucket: string, object: O, path: string): ManifestEntry;
}

/**
 * Resolves a bucket reference the same way for every object store: a key naming one object is
 * that object (named as the reference table says); otherwise the key is a prefix, whose objects are
 * listed up to `maxObjects` — and one more object than that **fails** with TOO_MANY_OBJECTS instead
 * of truncating silently; an empty prefix fails with NOT_FOUND.
 */
export async function resolveBucketReference<O>(
  store: BucketListing<O>,
  parsed: ParsedReferenceUri,
  opts: { name?: string | undefined; maxObjects: number },
): Promise<ManifestEntry[]> {
  const { scheme, bucket, key } = store;
  if (key !== "" && !key.endsWith("/")) {
    const object = await store.head(bucket, key);
    if (object)
      return [store.toEntry(bucket, object, nameForReference(parsed, { name: opts.name }))];
  }
  const prefix = key.replace(/\/+$/, "");
  const uri = `${scheme}://${bucket}/${prefix}`;
  const objects = await store.list(bucket, prefix === "" ? "" : `${prefix}/`, opts.maxObjects);
  if (objects.length > opts.maxObjects) {
    throw new CairnError(
      "TOO_MANY_OBJECTS",
      `The prefix ${uri} holds more than ${opts.maxObjects} objects (the maxObjects limit). Nothing was added: raise it with addReference(uri, { maxObjects: N }) or reference a narrower prefix.`,
      { details: { uri, maxObjects: opts.maxObjects, found: objects.length } },
    );
  }
  if (objects.length === 0) {
    throw new CairnError(
      "NOT_FOUND",
      `Nothing found at ${scheme}://${bucket}/${key}: no object with that key and no objects under "${prefix}/". Check the bucket and key.`,
      { details: { uri: `${scheme}://${bucket}/${key}` } },
    );
  }
  return objects.map((o) =>
    store.toEntry(bucket, o, nameForPrefixObject(parsed, store.keyOf(o), { name: opts.name })),
  );
}
