import { CairnError } from "./errors.js";

/** Input of {@link assertSameType}. */
export interface AssertSameTypeInput {
  /** The artifact name being logged. */
  name: string;
  /** Type of the artifact already holding this name in the project; null/undefined when none. */
  existingType: string | null | undefined;
  /** Type the caller asked for. */
  requestedType: string;
}

/**
 * Inside one project a name belongs to one type: logging `cats` as a `model` when `cats` is a
 * `dataset` is refused. Types are compared exactly (they are free text).
 *
 * @throws CairnError NAME_TAKEN_BY_OTHER_TYPE naming the artifact, both types and the ways out.
 */
export function assertSameType(input: AssertSameTypeInput): void {
  const { name, existingType, requestedType } = input;
  if (existingType === null || existingType === undefined || existingType === requestedType) {
    return;
  }
  throw new CairnError(
    "NAME_TAKEN_BY_OTHER_TYPE",
    `Artifact "${name}" already exists in this project with type "${existingType}", so it cannot be logged with type "${requestedType}". Log it with type "${existingType}", or give the "${requestedType}" artifact another name.`,
    { details: { name, existingType, requestedType } },
  );
}
