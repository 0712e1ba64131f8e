/** What a usage snippet is about: one exact version on one server. */
export interface UsageTarget {
  origin: string;
  entity: string;
  project: string;
  name: string;
  /** `vN`: snippets pin the number, never an alias that may move. */
  version: string;
}

/** One copyable snippet. */
export interface Snippet {
  id: "typescript" | "cli" | "curl";
  title: string;
  language: string;
  code: string;
}

/**
 * Snippets that fetch exactly this version: the TypeScript client (use it in a run, download
 * it), the `cairn` CLI, and curl against the tRPC HTTP API. Pure: the Usage tab renders them.
 */
export function usageSnippets(t: UsageTarget): Snippet[] {
  const ref = `${t.entity}/${t.project}/${t.name}:${t.version}`;
  const dir = `${t.name}-${t.version}`;
  const input = encodeURIComponent(
    JSON.stringify({ entity: t.entity, project: t.project, ref: `${t.name}:${t.version}` }),
  );
  return [
    {
      id: "typescript",
      title: "TypeScript client",
      language: "ts",
      code: `import { Cairn } from "@cairn/client";

// CAIRN_API_KEY holds your key (cairn_<id>_<secret>).
const cairn = new Cairn({ baseUrl: "${t.origin}", entity: "${t.entity}", project: "${t.project}" });
const run = await cairn.init({ jobType: "train" });
const artifact = await run.useArtifact("${ref}"); // recorded as an input of the run
const dir = await artifact.download({ root: "./${dir}" });
await run.finish();
await cairn.close();`,
    },
    {
      id: "cli",
      title: "CLI",
      language: "sh",
      code: `echo "$CAIRN_API_KEY" | cairn login --base-url ${t.origin}
cairn get ${ref} --root ./${dir}
cairn verify ${ref} ./${dir}`,
    },
    {
      id: "curl",
      title: "curl (HTTP API)",
      language: "sh",
      code: `# The version (metadata, size, aliases)
curl -H "Authorization: Bearer $CAIRN_API_KEY" \\
  "${t.origin}/trpc/artifacts.get?input=${input}"
# Its files, 1,000 per page (pass nextCursor back as "cursor")
curl -H "Authorization: Bearer $CAIRN_API_KEY" \\
  "${t.origin}/trpc/artifacts.manifest?input=${input}"`,
    },
  ];
}
