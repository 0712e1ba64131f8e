import { readFileSync } from "node:fs";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { CairnError } from "@cairn/core";
import { z } from "zod";

/** What `cairn login` stores: where the server is, the API key, and default entity/project. */
export interface CairnConfig {
  baseUrl?: string | undefined;
  apiKey?: string | undefined;
  entity?: string | undefined;
  project?: string | undefined;
}

const configSchema = z.object({
  baseUrl: z.string().optional(),
  apiKey: z.string().optional(),
  entity: z.string().optional(),
  project: z.string().optional(),
});

/** The environment variables that decide where the config file is. */
export interface ConfigDirEnv {
  XDG_CONFIG_HOME?: string | undefined;
}

/**
 * Path of the config file: `$XDG_CONFIG_HOME/cairn/config.json`, else `~/.config/cairn/config.json`.
 * A relative `XDG_CONFIG_HOME` is ignored, as the XDG spec requires.
 */
export function configFilePath(env: ConfigDirEnv = process.env, home: string = homedir()): string {
  const base =
    env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME)
      ? env.XDG_CONFIG_HOME
      : join(home, ".config");
  return join(base, "cairn", "config.json");
}

/** Reads the config file; `{}` when it does not exist. INVALID_INPUT when it is not valid. */
export async function loadConfig(path: string = configFilePath()): Promise<CairnConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    return missingOrThrow(error, path);
  }
  return parseConfig(text, path);
}

/** {@link loadConfig}, synchronously (for `new Cairn()`, whose constructor cannot await). */
export function loadConfigSync(path: string = configFilePath()): CairnConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    return missingOrThrow(error, path);
  }
  return parseConfig(text, path);
}

function missingOrThrow(error: unknown, path: string): CairnConfig {
  if ((error as { code?: string }).code === "ENOENT") return {};
  throw new CairnError(
    "LOCAL_IO",
    `Cannot read the Cairn config file ${path}: ${(error as Error).message}. Check its permissions.`,
    { cause: error },
  );
}

function parseConfig(text: string, path: string): CairnConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CairnError(
      "INVALID_INPUT",
      `The Cairn config file ${path} is not valid JSON: fix it or run \`cairn login\` again to rewrite it.`,
      { cause: error },
    );
  }
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    throw new CairnError(
      "INVALID_INPUT",
      `The Cairn config file ${path} is malformed (${z.prettifyError(parsed.error)}): it holds { baseUrl, apiKey, entity, project } strings; run \`cairn login\` again to rewrite it.`,
    );
  }
  return parsed.data;
}

/**
 * Merges `update` into the config file (keys set to undefined are kept as they were) and writes it
 * with mode 0600 — it holds an API key — atomically (temp file + rename). Returns the new config.
 */
export async function saveConfig(
  update: CairnConfig,
  path: string = configFilePath(),
): Promise<CairnConfig> {
  const current = await loadConfig(path);
  const next: CairnConfig = { ...current };
  for (const key of ["baseUrl", "apiKey", "entity", "project"] as const) {
    if (update[key] !== undefined) next[key] = update[key];
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  // mode on create, and chmod in case umask or an older file had looser permissions.
  await writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
  return next;
}
