import { randomBytes } from "node:crypto";
import { expect, it } from "vitest";
import {
  type Answer,
  describeOnEngines,
  type Entry,
  sha256,
  unique,
  type World,
} from "./harness.js";

/**
 * The bucket store (`CAIRN_BLOB_STORE=s3`, packs on, as `cairn server` runs it): blobs above the
 * pack threshold are presigned straight to the bucket. Before the fix, a digest nobody stored got a
 * presigned bucket target and one another tenant stored a target on the server: the plan told bob
 * whether alice stores a large file. Now every presigned upload goes to a staging key of its own
 * and is verified and moved into place by blobs.complete, stored or not.
 */
const MiB = 1024 * 1024;
/** Above the 4 MiB pack threshold: presigned to the bucket. */
const LARGE = 5 * MiB;
/** At the multipart threshold and above: a presigned multipart upload. */
const BIG = 64 * MiB + 1;

/** Clock offset of the services, moved forward by the GC test. */
let offsetMs = 0;

/** One upload target with everything random or clock-bound taken out, plus its raw length. */
function shape(target: unknown, digest: string) {
  return JSON.stringify(target)
    .replaceAll(digest, "<digest>")
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>")
    .replace(/(X-Amz-(Signature|Date|Credential))=[^&"]+/g, "$1=<signed>")
    .replace(/uploadId=[^&"]+/g, "uploadId=<id>")
    .replace(/("uploadId":"<uuid>\.)[^"]+"/g, '$1<id>"');
}

const about = (answer: Answer, digest: string) => answer.text.replaceAll(digest, "<digest>");

await describeOnEngines(
  "security: large blobs on a bucket store, over HTTP",
  (world) => {
    /** Alice stores a large secret file in her private project. */
    async function alicesLarge(w: World): Promise<{ bytes: Buffer; entry: Entry }> {
      const bytes = randomBytes(LARGE);
      const entry = await w.upload(w.alice, w.alice.name, "private", bytes);
      await w.ok(w.alice, "artifacts.log", {
        entity: w.alice.name,
        project: "private",
        name: unique("large"),
        type: "model",
        entries: [entry],
      });
      return { bytes, entry };
    }
    const mine = (w: World) => ({ entity: w.bob.name, project: "mine" });

    it("S3 large blobs: blobs.missing plans the same presigned upload whether or not anyone stores the digest", async () => {
      const w = world();
      const { entry } = await alicesLarge(w);
      const unknown = sha256(randomBytes(LARGE));
      for (const size of [LARGE, BIG]) {
        const answer = await w.call(w.bob, "blobs.missing", {
          ...mine(w),
          blobs: [
            { digest: entry.digest, size },
            { digest: unknown, size },
          ],
        });
        expect(answer.status).toBe(200);
        const [stolen, control] = answer.json.result.data.missing;
        expect(stolen.upload.kind).toBe(size === BIG ? "multipart" : "put");
        expect(shape(stolen, entry.digest)).toBe(shape(control, unknown));
        // Nothing names the digest's key: the target is a staging key of bob's upload alone.
        expect(JSON.stringify(stolen.upload)).not.toContain(entry.digest);
        if (stolen.upload.kind === "put") {
          expect(stolen.upload.complete).toBe(true);
          expect(stolen.upload.url.length).toBe(control.upload.url.length);
        }
      }
    });

    it("S3 large blobs: complete refuses bob's staged upload of alice's digest exactly like an unknown one, and never harms her blob", async () => {
      const w = world();
      const { bytes, entry } = await alicesLarge(w);
      const unknown = sha256(randomBytes(LARGE));
      const plan = await w.ok(w.bob, "blobs.missing", {
        ...mine(w),
        blobs: [
          { digest: entry.digest, size: LARGE },
          { digest: unknown, size: LARGE },
        ],
      });
      const complete = (digest: string, uploadId?: string) =>
        w.call(w.bob, "blobs.complete", {
          ...mine(w),
          digest,
          size: LARGE,
          ...(uploadId === undefined ? {} : { uploadId }),
        });
      // Nothing uploaded yet: one refusal, whoever stores the digest.
      const [stolen, control] = plan.missing;
      const a = await complete(entry.digest, stolen.upload.uploadId);
      const b = await complete(unknown, control.upload.uploadId);
      expect(a.status).toBe(404);
      expect(about(a, entry.digest)).toBe(about(b, unknown));
      // Wrong bytes at the staging key: the same DIGEST_MISMATCH for both, naming no stored size.
      for (const target of [stolen, control]) {
        const put = await fetch(target.upload.url, {
          method: "PUT",
          headers: target.upload.headers,
          body: randomBytes(LARGE),
        });
        expect(put.status).toBe(200);
      }
      const c = await complete(entry.digest, stolen.upload.uploadId);
      const d = await complete(unknown, control.upload.uploadId);
      expect(c.status).toBe(422);
      expect(c.json.error.data.domainCode).toBe("DIGEST_MISMATCH");
      expect(c.json.error.message.replace(/hash to [0-9a-f]{64}/, "")).toBe(
        d.json.error.message.replaceAll(unknown, entry.digest).replace(/hash to [0-9a-f]{64}/, ""),
      );
      // Alice's bytes are untouched, bob holds nothing, and his commit is refused.
      const blobs = w.server.services.deps.blobs;
      expect(await blobs.verify(entry.digest)).toEqual({ ok: true, actual: entry.digest });
      const chunks: Buffer[] = [];
      for await (const chunk of await blobs.get(entry.digest)) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
      const again = await w.ok(w.bob, "blobs.missing", {
        ...mine(w),
        blobs: [{ digest: entry.digest, size: LARGE }],
      });
      expect(again.missing.map((m: { digest: string }) => m.digest)).toEqual([entry.digest]);
      const logged = await w.call(w.bob, "artifacts.log", {
        ...mine(w),
        name: unique("steal"),
        type: "model",
        entries: [{ ...entry, path: "w.bin" }],
      });
      expect(logged.status).toBe(400);
      // Completing through another tenant's upload id is the same refusal as a made-up one.
      const alices = await w.ok(w.alice, "blobs.missing", {
        entity: w.alice.name,
        project: "private",
        blobs: [{ digest: unknown, size: LARGE }],
      });
      const e = await complete(unknown, alices.missing[0].upload.uploadId);
      expect(e.status).toBe(404);
      expect(about(e, unknown)).toBe(about(b, unknown));
    });

    it("S3 large blobs: uploading content already stored does the same work as a fresh upload, leaving no staged object", async () => {
      const w = world();
      const blobs = w.server.services.deps.blobs;
      // Content both hold (a public model alice also keeps privately): bob proves possession.
      const shared = randomBytes(LARGE);
      await w.upload(w.alice, w.alice.name, "private", shared);
      const digest = sha256(shared);
      const before = (await blobs.stat(digest))?.size;
      expect(before).toBe(LARGE);
      const timings = { stored: [] as number[], fresh: [] as number[] };
      const stored: Buffer[] = [];
      for (let i = 0; i < 8; i++) {
        const b = randomBytes(LARGE);
        await w.upload(w.alice, w.alice.name, "private", b);
        stored.push(b);
      }
      for (let i = 0; i < 8; i++) {
        // Alternating which goes first, so neither kind always pays for a warm-up.
        const order = i % 2 === 0 ? (["stored", "fresh"] as const) : (["fresh", "stored"] as const);
        for (const kind of order) {
          const b = kind === "stored" ? stored[i]! : randomBytes(LARGE);
          const started = performance.now();
          await w.upload(w.bob, w.bob.name, "mine", b);
          timings[kind].push(performance.now() - started);
        }
      }
      await w.upload(w.bob, w.bob.name, "mine", shared);
      const logged = await w.ok(w.bob, "artifacts.log", {
        ...mine(w),
        name: unique("shared"),
        type: "model",
        entries: [{ path: "shared.bin", digest, size: LARGE }],
      });
      expect(logged.version).toBeTruthy();
      expect(await blobs.verify(digest)).toEqual({ ok: true, actual: digest });
      // Every staged object was moved into place and deleted: a sweep of everything finds none.
      expect(await blobs.sweepTemporary?.(new Date(Date.now() + 3600_000))).toBe(0);
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const ratio = median(timings.stored) / median(timings.fresh);
      console.log(
        `s3 large blobs: median upload+complete stored ${median(timings.stored).toFixed(1)} ms, fresh ${median(timings.fresh).toFixed(1)} ms (ratio ${ratio.toFixed(2)}; shared machine, noisy)`,
      );
      expect(ratio).toBeGreaterThan(0.6);
    });

    it("S3 large blobs: staged uploads nobody completes are removed by GC", async () => {
      const w = world();
      const blobs = w.server.services.deps.blobs;
      const bytes = randomBytes(LARGE);
      const plan = await w.ok(w.bob, "blobs.missing", {
        ...mine(w),
        blobs: [{ digest: sha256(bytes), size: LARGE }],
      });
      const { upload } = plan.missing[0];
      const put = await fetch(upload.url, { method: "PUT", headers: upload.headers, body: bytes });
      expect(put.status).toBe(200);
      // Three hours later (the upload session expired, the staged object is past two hours).
      offsetMs = 3 * 3600_000;
      try {
        const swept = await w.server.services.retention.collectGarbage({ graceMs: 3600_000 });
        expect(swept.sessionsExpired).toBeGreaterThanOrEqual(1);
      } finally {
        offsetMs = 0;
      }
      expect(await blobs.sweepTemporary?.(new Date(Date.now() + 3600_000))).toBe(0);
      const late = await w.call(w.bob, "blobs.complete", {
        ...mine(w),
        digest: sha256(bytes),
        size: LARGE,
        uploadId: upload.uploadId,
      });
      expect(late.status).toBe(404);
      expect(await blobs.has(sha256(bytes))).toBe(false);
    });
  },
  { blobs: "s3", packs: true, now: () => new Date(Date.now() + offsetMs) },
);
