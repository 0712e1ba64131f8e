import { z } from "zod";
import { CairnError, isCairnError } from "./errors.js";
import {
  formatVersionAlias,
  isDigestLike,
  isVersionAlias,
  LATEST_ALIAS,
  parseVersionAlias,
  quoteValue,
  validateAlias,
  validateArtifactName,
  validateEntityName,
  validateProjectName,
} from "./names.js";

/**
 * Artifact references: `name`, `name:alias`, `name:vN`, `name:<digest>`, `project/name[:sel]` and
 * `entity/project/name[:sel]`. Short forms resolve in the current run's project and entity
 * ({@link qualifyReference}).
 */

/** Which version of an artifact a reference selects. */
export type ArtifactSelector =
  | { kind: "alias"; alias: string }
  | { kind: "version"; version: number }
  | { kind: "digest"; digest: string };

/**
 * A parsed artifact reference. `entity` and `project` are absent (never `undefined`) in short forms;
 * an `entity` without a `project` cannot be written and is refused by {@link formatReference}.
 */
export interface ArtifactRef {
  entity?: string;
  project?: string;
  name: string;
  selector: ArtifactSelector;
}

/** A reference with its entity and project filled in. */
export interface QualifiedArtifactRef extends ArtifactRef {
  entity: string;
  project: string;
}

/** The defaults a short reference resolves in: the current run's entity and project. */
export interface ReferenceDefaults {
  entity?: string | undefined;
  project?: string | undefined;
}

const FORMS =
  "Accepted forms: name, name:alias, name:vN, name:<digest> (16–64 lowercase hex), project/name[:selector], entity/project/name[:selector].";

function fail(input: unknown, reason: string, cause?: unknown, part?: string): never {
  throw new CairnError(
    "INVALID_REFERENCE",
    `Invalid artifact reference ${quoteValue(input)}: ${reason}. ${FORMS}`,
    {
      cause,
      details: { reference: input, ...(part === undefined ? {} : { part }) },
    },
  );
}

/** Runs a component validator and rewraps its error so the message names the part that is wrong. */
function checkPart(
  input: unknown,
  part: string,
  value: string,
  validate: (s: string) => string,
): string {
  try {
    return validate(value);
  } catch (error) {
    if (!isCairnError(error)) throw error;
    // The component message ends with "."; drop it so the sentence continues cleanly.
    fail(input, `the ${part} is wrong — ${error.message.replace(/\.$/, "")}`, error, part);
  }
}

/** Parses the text after `:` into a selector. */
function parseSelector(input: unknown, text: string): ArtifactSelector {
  if (text.length === 0)
    fail(
      input,
      'the selector after ":" is empty; omit ":" to mean "latest"',
      undefined,
      "selector",
    );
  if (isVersionAlias(text)) {
    const version = parseVersionAlias(text);
    if (version === undefined) {
      fail(
        input,
        `the version ${quoteValue(text)} is not canonical; write "v" and the number without leading zeros, e.g. "v${Number(text.slice(1))}"`,
        undefined,
        "selector",
      );
    }
    return { kind: "version", version };
  }
  if (isDigestLike(text)) return { kind: "digest", digest: text };
  return { kind: "alias", alias: checkPart(input, "alias", text, validateAlias) };
}

/**
 * Parses an artifact reference. No selector means the alias `latest`. Every component is validated
 * with the rules of `names.ts`; on error, throws INVALID_REFERENCE naming the wrong part (the
 * component's own error is the `cause`) and listing the accepted forms.
 */
export function parseReference(input: string): ArtifactRef {
  if (typeof input !== "string" || input.length === 0) fail(input, "it is empty");
  const colon = input.indexOf(":");
  const path = colon === -1 ? input : input.slice(0, colon);
  const selectorText = colon === -1 ? undefined : input.slice(colon + 1);
  if (selectorText?.includes(":")) fail(input, 'it has more than one ":"', undefined, "selector");

  const parts = path.split("/");
  if (parts.length > 3)
    fail(input, `it has ${parts.length - 1} "/", at most 2 are allowed (entity/project/name)`);
  const name = checkPart(input, "artifact name", parts[parts.length - 1]!, validateArtifactName);
  const selector: ArtifactSelector =
    selectorText === undefined
      ? { kind: "alias", alias: LATEST_ALIAS }
      : parseSelector(input, selectorText);

  if (parts.length === 1) return { name, selector };
  const project = checkPart(input, "project", parts[parts.length - 2]!, validateProjectName);
  if (parts.length === 2) return { project, name, selector };
  const entity = checkPart(input, "entity", parts[0]!, validateEntityName);
  return { entity, project, name, selector };
}

function formatSelector(ref: ArtifactRef): string {
  const selector = ref.selector;
  switch (selector?.kind) {
    case "alias":
      return checkPart(ref, "alias", selector.alias, validateAlias);
    case "version":
      return formatVersionAlias(selector.version);
    case "digest":
      if (!isDigestLike(selector.digest)) {
        fail(
          ref,
          `the digest ${quoteValue(selector.digest)} is not 16–64 lowercase hex characters`,
          undefined,
          "selector",
        );
      }
      return selector.digest;
    default:
      return fail(
        ref,
        'the selector must be { kind: "alias" | "version" | "digest", … }',
        undefined,
        "selector",
      );
  }
}

/**
 * Writes a reference in its canonical form: `[[entity/]project/]name:selector`. The selector is
 * always printed, `latest` included, so the string says which version it means. Validates every
 * component (throws INVALID_REFERENCE), so the output always parses back to `ref`.
 */
export function formatReference(ref: ArtifactRef): string {
  const name = checkPart(ref, "artifact name", ref.name, validateArtifactName);
  const selector = formatSelector(ref);
  let prefix = "";
  if (ref.project !== undefined) {
    prefix = `${checkPart(ref, "project", ref.project, validateProjectName)}/`;
    if (ref.entity !== undefined)
      prefix = `${checkPart(ref, "entity", ref.entity, validateEntityName)}/${prefix}`;
  } else if (ref.entity !== undefined) {
    fail(
      ref,
      "it has an entity but no project; a reference names entity/project/name",
      undefined,
      "project",
    );
  }
  return `${prefix}${name}:${selector}`;
}

/**
 * Fills in the entity and project a short reference resolves in: a bare `name` takes both from
 * `defaults`, `project/name` takes the entity. Throws INVALID_REFERENCE naming what is missing when
 * the reference does not give a part and `defaults` has none either.
 */
export function qualifyReference(
  ref: ArtifactRef | string,
  defaults: ReferenceDefaults,
): QualifiedArtifactRef {
  const parsed =
    typeof ref === "string" ? parseReference(ref) : parseReference(formatReference(ref));
  const shown = formatReference(parsed);
  if (parsed.project === undefined && defaults.project === undefined) {
    fail(
      shown,
      `it has no project and no default project was given; write it as project/${shown} or pass the current project`,
      undefined,
      "project",
    );
  }
  if (parsed.entity === undefined && defaults.entity === undefined) {
    fail(
      shown,
      `it has no entity and no default entity was given; write it as entity/${parsed.project === undefined ? "project/" : ""}${shown} or pass the current entity`,
      undefined,
      "entity",
    );
  }
  const project =
    parsed.project ?? checkPart(shown, "default project", defaults.project!, validateProjectName);
  const entity =
    parsed.entity ?? checkPart(shown, "default entity", defaults.entity!, validateEntityName);
  return { entity, project, name: parsed.name, selector: parsed.selector };
}

/** True when two references select the same thing (same parts, same selector). */
export function referencesEqual(a: ArtifactRef, b: ArtifactRef): boolean {
  return formatReference(a) === formatReference(b);
}

/** Zod schema of a selector, checked with the same rules as {@link parseReference}. */
export const referenceSelectorSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("alias"), alias: z.string() }),
  z.object({
    kind: z.literal("version"),
    version: z.number().int().nonnegative().refine(Number.isSafeInteger),
  }),
  z.object({ kind: z.literal("digest"), digest: z.string() }),
]);

/**
 * Zod schema of an {@link ArtifactRef} object, for values that cross a process boundary. Every
 * component is validated with the rules of `names.ts`; an issue's message is the reason.
 */
export const artifactRefSchema: z.ZodType<ArtifactRef> = z
  .object({
    entity: z.string().exactOptional(),
    project: z.string().exactOptional(),
    name: z.string(),
    selector: referenceSelectorSchema,
  })
  .superRefine((ref, ctx) => {
    try {
      formatReference(ref);
    } catch (error) {
      if (!isCairnError(error)) throw error;
      ctx.addIssue({ code: "custom", message: error.message });
    }
  });

/** Zod schema of a reference string, parsed into an {@link ArtifactRef}. */
export const artifactRefStringSchema = z.string().transform((input, ctx): ArtifactRef => {
  try {
    return parseReference(input);
  } catch (error) {
    if (!isCairnError(error)) throw error;
    ctx.addIssue({ code: "custom", message: error.message });
    return z.NEVER;
  }
});
