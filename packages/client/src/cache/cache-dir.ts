import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";

/** The environment variables that decide where the client caches things. */
export interface CacheDirEnv {
  CAIRN_CACHE_DIR?: string | undefined;
  XDG_CACHE_HOME?: string | undefined;
}

/**
 * The client's cache directory: `CAIRN_CACHE_DIR`, else `$XDG_CACHE_HOME/cairn`, else
 * `~/.cache/cairn`. The environment is passed in (callers read `process.env` once at their
 * composition root). A relative `XDG_CACHE_HOME` is ignored, as the XDG spec requires.
 */
export function resolveCacheDir(env: CacheDirEnv, home: string = homedir()): string {
  if (env.CAIRN_CACHE_DIR) return resolve(env.CAIRN_CACHE_DIR);
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME))
    return join(env.XDG_CACHE_HOME, "cairn");
  return join(home, ".cache", "cairn");
}
