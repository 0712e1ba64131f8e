import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One stored generation of an object. */
interface StoredObject {
  data: Buffer;
  generation: number;
}

/** A running {@link startGcsTestServer} instance. */
export interface GcsTestServer {
  /** Base URL to pass as the GCS resolver's `endpoint` (e.g. `http://127.0.0.1:41234`). */
  readonly endpoint: string;
  /** Writes a new generation of an object; returns its generation number. */
  put(bucket: string, name: string, data: string | Uint8Array): number;
  /** Deletes every generation of an object. */
  delete(bucket: string, name: string): void;
  /** Number of requests answered (lets tests assert a lookup was or was not made). */
  readonly requests: number;
  close(): Promise<void>;
}

/**
 * A tiny in-memory stand-in for the GCS JSON API on loopback, for tests: `GET
 * /storage/v1/b/<bucket>/o/<object>` (metadata, optional `generation`), `GET
 * /storage/v1/b/<bucket>/o?prefix=&maxResults=&pageToken=` (list, latest generations, sorted by
 * name) and `alt=media` downloads. Old generations are kept, as in a versioned bucket.
 */
export async function startGcsTestServer(): Promise<GcsTestServer> {
  const buckets = new Map<string, Map<string, StoredObject[]>>();
  let nextGeneration = 1_700_000_000_000_000;
  let requests = 0;

  const resource = (bucket: string, name: string, o: StoredObject) => ({
    kind: "storage#object",
    bucket,
    name,
    size: String(o.data.length),
    md5Hash: createHash("md5").update(o.data).digest("base64"),
    etag: createHash("sha1").update(`${name}:${o.generation}`).digest("base64").slice(0, 12),
    generation: String(o.generation),
  });

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    requests++;
    const url = new URL(req.url ?? "/", "http://localhost");
    const match = /^\/storage\/v1\/b\/([^/]+)\/o(?:\/(.+))?$/.exec(url.pathname);
    if (req.method !== "GET" || !match) {
      send(res, 404, { error: { code: 404, message: "Not Found" } });
      return;
    }
    const bucket = decodeURIComponent(match[1]!);
    const objects = buckets.get(bucket);
    if (!objects) {
      send(res, 404, { error: { code: 404, message: "bucket not found" } });
      return;
    }

    if (match[2] === undefined) {
      const prefix = url.searchParams.get("prefix") ?? "";
      const max = Number(url.searchParams.get("maxResults") ?? 1000);
      const start = Number(url.searchParams.get("pageToken") ?? 0);
      const names = [...objects.keys()]
        .filter((n) => n.startsWith(prefix) && objects.get(n)!.length > 0)
        .sort();
      const page = names.slice(start, start + max);
      const body: { kind: string; items: unknown[]; nextPageToken?: string } = {
        kind: "storage#objects",
        items: page.map((n) => resource(bucket, n, objects.get(n)!.at(-1)!)),
      };
      if (start + max < names.length) body.nextPageToken = String(start + max);
      send(res, 200, body);
      return;
    }

    const name = decodeURIComponent(match[2]);
    const generations = objects.get(name) ?? [];
    const wanted = url.searchParams.get("generation");
    const object = wanted
      ? generations.find((g) => String(g.generation) === wanted)
      : generations.at(-1);
    if (!object) {
      send(res, 404, { error: { code: 404, message: "No such object" } });
      return;
    }
    if (url.searchParams.get("alt") === "media") {
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-length": object.data.length,
      });
      res.end(object.data);
      return;
    }
    send(res, 200, resource(bucket, name, object));
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    put(bucket, name, data) {
      let objects = buckets.get(bucket);
      if (!objects) {
        objects = new Map();
        buckets.set(bucket, objects);
      }
      const generation = nextGeneration++;
      const list = objects.get(name) ?? [];
      list.push({ data: Buffer.from(data), generation });
      objects.set(name, list);
      return generation;
    },
    delete(bucket, name) {
      buckets.get(bucket)?.delete(name);
    },
    get requests() {
      return requests;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
