import { expect } from "vitest";

/** A CairnError as tests see it (checked by shape, like `isCairnError`, across package copies). */
export type CodedError = Error & { code: string; details?: Readonly<Record<string, unknown>> };

/**
 * The one "this call fails with CairnError `code`" helper of every suite: awaits `promise`,
 * asserts it rejects with a CairnError of `code` (anything else is rethrown, so the test shows
 * it), and returns the error for further checks.
 */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<CodedError> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name?: unknown; code?: unknown };
    if (typeof error !== "object" || error === null || e.name !== "CairnError") throw error;
    expect(e.code).toBe(code);
    return error as CodedError;
  }
  throw new Error(`expected a CairnError ${code}, but the call succeeded`);
}
