import { stat } from "node:fs/promises";
import { Artifact } from "@cairn/client";
import { CairnError } from "@cairn/core";
import type { Command } from "commander";
import type { CliContext, CliDeps } from "../context.js";
import { EXIT_CODES } from "../errors.js";
import { createProgressReporter } from "../progress.js";
import { formatBytes } from "../units.js";
import { action, example } from "./action.js";

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

interface PutOptions {
  name: string;
  type: string;
  alias?: string[];
  description?: string;
  metadata?: string;
  reference?: string[];
  project?: string;
  jobType: string;
  use?: string[];
  distributedId?: string;
}

/** `cairn put`, `cairn finish`, `cairn get`, `cairn verify`: moving bytes. */
export function registerTransferCommands(program: Command, deps: CliDeps): void {
  example(
    program
      .command("put")
      .description(
        "log files and directories (and --reference URIs) as a new version, or upsert them into a shared draft with --distributed-id",
      )
      .argument(
        "[paths...]",
        "files and directories to log (directories keep their relative paths)",
      )
      .requiredOption("--name <name>", "artifact name")
      .requiredOption("--type <type>", "artifact type (dataset, model, …)")
      .option("--alias <alias>", "alias to set (repeatable; `latest` is always set)", collect)
      .option("--description <text>", "description of the version")
      .option("--metadata <json>", "metadata as a JSON object")
      .option("--reference <uri>", "track an external object by URI (repeatable)", collect)
      .option("--use <ref>", "record that this step used a version (repeatable; lineage)", collect)
      .option("--project <project>", "project (default CAIRN_PROJECT)")
      .option("--job-type <jobType>", "job type of the run recording this put", "cli-put")
      .option("--distributed-id <id>", "upsert into the draft shared by parallel writers instead")
      .action(
        action(deps, (ctx, paths: string[], options: PutOptions) => put(ctx, paths, options)),
      ),
    "cairn put ./data --name mnist --type dataset --alias baseline",
    "cairn put model.pt --name clf --type model --use mnist:latest --metadata '{\"acc\":0.93}'",
    "cairn put part-3.parquet --name table --type dataset --distributed-id job-42",
  );

  example(
    program
      .command("finish")
      .description(
        "commit the draft shared by parallel `cairn put --distributed-id` writers as one version",
      )
      .argument("<name>", "artifact name")
      .requiredOption("--type <type>", "artifact type")
      .requiredOption("--distributed-id <id>", "the writers' shared id")
      .option("--alias <alias>", "alias to set (repeatable)", collect)
      .option("--project <project>", "project (default CAIRN_PROJECT)")
      .action(
        action(
          deps,
          async (
            ctx,
            name: string,
            options: { type: string; distributedId: string; alias?: string[]; project?: string },
          ) => {
            const cairn = ctx.cairn();
            const where = await ctx.project(options.project);
            const run = await cairn.init({ ...where, jobType: "cli-finish" });
            const version = await run.finishArtifact(new Artifact({ name, type: options.type }), {
              distributedId: options.distributedId,
              ...(options.alias ? { aliases: options.alias } : {}),
            });
            await run.finish();
            ctx.output.result({ ref: version.qualifiedName, info: version.info }, () =>
              ctx.output.line(version.qualifiedName),
            );
            return 0;
          },
        ),
      ),
    "cairn finish table --type dataset --distributed-id job-42 --alias v1-release",
  );

  example(
    program
      .command("get")
      .description("download a version (cached blobs are linked, not fetched again)")
      .argument("<ref>", "reference: name[:alias|:vN], project/name…, entity/project/name…")
      .option("--root <dir>", "where to put the files (default ./artifacts/<name>-<vN>)")
      .option("--skip-cache", "do not keep the fetched files in the local cache")
      .option("--prefix <path>", "only entries whose path starts with this, e.g. images/")
      .option("--include <glob...>", "only entries matching one of these globs ('images/**/*.png')")
      .option("--exclude <glob...>", "skip entries matching any of these globs")
      .action(
        action(deps, async (ctx, ref: string, options: GetOptions) => {
          const q = await ctx.versionRef(ref);
          const progress = createProgressReporter(ctx.output);
          const filter = {
            ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
            ...(options.include === undefined ? {} : { include: options.include }),
            ...(options.exclude === undefined ? {} : { exclude: options.exclude }),
          };
          // The entry list is not fetched up front: download() asks for it page by page (only
          // the matching pages for a partial download), each page downloading while the next
          // is fetched.
          const artifact = await ctx.cairn().api().artifact(q, { manifest: false });
          const dir = await artifact
            .download({
              ...filter,
              ...(options.root === undefined ? {} : { root: options.root }),
              skipCache: options.skipCache ?? false,
              onProgress: progress.listener,
            })
            .finally(() => progress.stop());
          ctx.output.result(
            { ref: artifact.qualifiedName, dir, stats: artifact.lastDownload },
            () => ctx.output.line(ctx.output.quiet ? dir : `${artifact.qualifiedName} → ${dir}`),
          );
          return 0;
        }),
      ),
    "cairn get mnist:latest --root ./data",
    "cairn get mnist:latest --include 'images/**/*.png' --exclude '**/*-draft.png'",
  );

  example(
    program
      .command("verify")
      .description(
        `check that DIR holds exactly the version (exit ${EXIT_CODES.verify} on differences); --references re-checks external references`,
      )
      .argument("<ref>", "reference of the version")
      .argument("<dir>", "directory to check")
      .option("--references", "re-check every reference against its recorded ETag/versionId")
      .action(
        action(deps, async (ctx, ref: string, dir: string, options: { references?: boolean }) => {
          const s = await stat(dir).catch(() => undefined);
          if (!s?.isDirectory()) {
            throw new CairnError(
              "NOT_FOUND",
              `${dir} is not a directory: pass the directory \`cairn get\` downloaded into.`,
            );
          }
          const artifact = await ctx.artifact(ref);
          const report = await artifact.verify(dir, { references: options.references ?? false });
          ctx.output.result({ ref: artifact.qualifiedName, ...report }, () => {
            if (report.ok) ctx.output.line(`ok: ${dir} matches ${artifact.qualifiedName}`);
            for (const p of report.problems)
              ctx.output.line(`${p.problem}  ${p.path}${p.detail ? `  (${p.detail})` : ""}`);
          });
          if (!report.ok) {
            ctx.output.streams.stderr.write(
              `error: ${report.problems.length} difference(s) between ${dir} and ${artifact.qualifiedName} — run \`cairn get ${artifact.qualifiedName} --root ${dir}\` to restore it\n`,
            );
            return EXIT_CODES.verify;
          }
          return 0;
        }),
      ),
    "cairn verify mnist:v3 ./data --references",
  );
}

async function put(ctx: CliContext, paths: string[], options: PutOptions): Promise<number> {
  if (paths.length === 0 && !options.reference?.length) {
    throw new CairnError(
      "INVALID_INPUT",
      "Nothing to log: pass files or directories, or --reference URI.",
    );
  }
  const metadata = parseMetadata(options.metadata);
  const artifact = new Artifact({
    name: options.name,
    type: options.type,
    ...(options.description === undefined ? {} : { description: options.description }),
    ...(metadata === undefined ? {} : { metadata }),
  });
  for (const path of paths) {
    const s = await stat(path).catch(() => undefined);
    if (!s) {
      throw new CairnError(
        "NOT_FOUND",
        `${path} does not exist: pass existing files or directories.`,
      );
    }
    if (s.isDirectory()) artifact.addDir(path);
    else artifact.addFile(path);
  }
  const progress = createProgressReporter(ctx.output);
  const cairn = ctx.cairn({ onProgress: progress.listener });
  try {
    for (const uri of options.reference ?? []) artifact.addReference(uri);
    const where = await ctx.project(options.project);
    const run = await cairn.init({
      ...where,
      jobType: options.jobType,
      ...(options.distributedId === undefined ? {} : { group: options.distributedId }),
    });
    for (const ref of options.use ?? []) await run.useArtifact(await ctx.versionRef(ref));
    if (options.distributedId !== undefined) {
      const { draftId } = await run.upsertArtifact(artifact, {
        distributedId: options.distributedId,
      });
      await run.finish();
      progress.stop();
      ctx.output.result(
        {
          draftId,
          distributedId: options.distributedId,
          name: options.name,
          files: artifact.manifest.entries.length,
        },
        () =>
          ctx.output.line(
            `upserted ${artifact.manifest.entries.length} file(s) into the draft of ${options.name} (distributed id ${options.distributedId}); finish it with \`cairn finish ${options.name} --type ${options.type} --distributed-id ${options.distributedId}\``,
          ),
      );
      return 0;
    }
    const result = await run
      .logArtifact(artifact, options.alias ? { aliases: options.alias } : {})
      .result();
    await run.finish();
    progress.stop();
    const version = result.artifact;
    ctx.output.result(
      {
        ref: version.qualifiedName,
        created: result.created,
        uploadedFiles: result.uploadedFiles,
        uploadedBytes: result.uploadedBytes,
        info: version.info,
      },
      () => {
        if (ctx.output.quiet) return ctx.output.line(version.qualifiedName);
        const how = result.created
          ? `new version, uploaded ${result.uploadedFiles} file(s), ${formatBytes(result.uploadedBytes)}`
          : "deduplicated: identical contents, existing version reused";
        ctx.output.line(`${version.qualifiedName}  (${how})`);
      },
    );
    return 0;
  } finally {
    progress.stop();
    artifact.cleanup();
  }
}

function parseMetadata(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CairnError(
      "INVALID_INPUT",
      `--metadata is not valid JSON (${JSON.stringify(text)}): pass an object, e.g. '{"epochs": 10}'.`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CairnError(
      "INVALID_INPUT",
      `--metadata must be a JSON object, e.g. '{"epochs": 10}'.`,
    );
  }
  return value as Record<string, unknown>;
}

/** Flags of `cairn get`. */
interface GetOptions {
  root?: string;
  skipCache?: boolean;
  prefix?: string;
  include?: string[];
  exclude?: string[];
}
