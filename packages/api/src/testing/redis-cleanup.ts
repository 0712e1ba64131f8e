import { connect } from "node:net";
import { CairnError } from "@cairn/core";

/**
 * Deletes every Redis key under `prefix:` — what `Queue.obliterate({ force: true })` does for each
 * queue, for all queues of a test's unique prefix at once. Spoken in raw RESP over `node:net`
 * because `@cairn/api` does not depend on bullmq/ioredis (the runner hides them behind
 * `JobRunner`). Resolves with the number of keys removed.
 */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<number> {
  if (!/^[A-Za-z0-9_.-]+$/.test(prefix)) {
    // The prefix becomes a KEYS glob: refuse anything that could match another deployment's keys.
    throw new CairnError(
      "INVALID_INPUT",
      `Refusing to delete Redis keys for prefix ${JSON.stringify(prefix)}: use letters, digits, _ . - only.`,
    );
  }
  const url = new URL(redisUrl);
  const commands: string[][] = [];
  if (url.password) {
    commands.push(
      url.username
        ? ["AUTH", decodeURIComponent(url.username), decodeURIComponent(url.password)]
        : ["AUTH", decodeURIComponent(url.password)],
    );
  }
  const db = url.pathname.replace("/", "");
  if (db) commands.push(["SELECT", db]);
  // One server-side script: KEYS then UNLINK in slices (Lua's unpack has a stack limit).
  const script =
    "local keys = redis.call('KEYS', ARGV[1]) " +
    "for i = 1, #keys, 1000 do redis.call('UNLINK', unpack(keys, i, math.min(i + 999, #keys))) end " +
    "return #keys";
  commands.push(["EVAL", script, "0", `${prefix}:*`]);
  const replies = await send(url.hostname || "127.0.0.1", Number(url.port || 6379), commands);
  const last = replies[replies.length - 1] ?? "";
  return Number(last.slice(1));
}

function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
}

/** Sends commands and collects one single-line reply each (the only kinds these commands return). */
function send(host: string, port: number, commands: string[][]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const replies: string[] = [];
    let buffer = "";
    socket.setTimeout(5000, () =>
      socket.destroy(new Error(`Redis at ${host}:${port} did not answer`)),
    );
    socket.on("error", reject);
    socket.on("connect", () => socket.write(commands.map(encode).join("")));
    socket.on("data", (chunk) => {
      buffer += chunk.toString("utf8");
      let end = buffer.indexOf("\r\n");
      while (end >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (line.startsWith("-")) {
          socket.destroy();
          reject(new Error(`Redis refused the cleanup: ${line.slice(1)}`));
          return;
        }
        replies.push(line);
        end = buffer.indexOf("\r\n");
      }
      if (replies.length === commands.length) {
        socket.end();
        resolve(replies);
      }
    });
  });
}
