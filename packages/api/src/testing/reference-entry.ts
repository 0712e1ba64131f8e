/** The project every test server and CLI harness creates for its admin (`admin/default`). */
export const TEST_PROJECT = { entity: "admin", project: "default" } as const;

/**
 * A one-byte reference entry (`ref` to an external URI, no upload) named `path`, with a digest
 * derived from the path: the cheapest way for a test to log a version whose content differs.
 */
export function referenceEntry(path: string): {
  path: string;
  digest: string;
  size: number;
  ref: string;
} {
  return { path, digest: `etag-${path}`, size: 1, ref: `https://example.com/${path}` };
}
