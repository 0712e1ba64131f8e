import { CairnError } from "@cairn/core";
import { type CairnConfig, configFilePath, loadConfigSync } from "./config-file.js";

/** Connection settings after defaults: options, then env, then the config file. */
export interface ResolvedSettings {
  baseUrl: string;
  apiKey: string | null;
  entity: string | undefined;
  project: string | undefined;
}

/** The environment variables the client reads (passed in; read from `process.env` by default). */
export interface SettingsEnv {
  CAIRN_BASE_URL?: string | undefined;
  CAIRN_API_KEY?: string | undefined;
  CAIRN_ENTITY?: string | undefined;
  CAIRN_PROJECT?: string | undefined;
  XDG_CONFIG_HOME?: string | undefined;
}

/**
 * Resolves each setting from, in order: the explicit option, the `CAIRN_*` environment variable,
 * the config file written by `cairn login`. `baseUrl` is required; the API key may be absent
 * (anonymous reads of public projects).
 */
export function resolveSettings(
  options: CairnConfig,
  env: SettingsEnv = process.env,
  configPath: string = configFilePath(env),
): ResolvedSettings {
  const needsFile =
    options.baseUrl === undefined ||
    options.apiKey === undefined ||
    options.entity === undefined ||
    options.project === undefined;
  const file = needsFile ? loadConfigSync(configPath) : {};
  const pick = (key: keyof CairnConfig, envName: keyof SettingsEnv): string | undefined =>
    options[key] ?? (env[envName] || undefined) ?? file[key];
  const baseUrl = pick("baseUrl", "CAIRN_BASE_URL");
  if (!baseUrl) {
    throw new CairnError(
      "INVALID_INPUT",
      `No Cairn server given: pass new Cairn({ baseUrl }), set CAIRN_BASE_URL, or run \`cairn login\` (writes ${configPath}).`,
    );
  }
  try {
    new URL(baseUrl);
  } catch (error) {
    throw new CairnError(
      "INVALID_INPUT",
      `The Cairn server URL ${JSON.stringify(baseUrl)} is not a URL: use e.g. http://127.0.0.1:8080.`,
      { cause: error },
    );
  }
  return {
    baseUrl: baseUrl.replace(/\/+$/, ""),
    apiKey: pick("apiKey", "CAIRN_API_KEY") ?? null,
    entity: pick("entity", "CAIRN_ENTITY"),
    project: pick("project", "CAIRN_PROJECT"),
  };
}
