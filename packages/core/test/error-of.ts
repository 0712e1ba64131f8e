import { type CairnError, isCairnError } from "../src/index.js";

/** Calls `fn` and returns the CairnError it throws; fails the test if it throws nothing or another error. */
export function errorOf(fn: () => unknown): CairnError {
  try {
    fn();
  } catch (error) {
    if (isCairnError(error)) return error;
    throw error;
  }
  throw new Error("expected a CairnError, nothing was thrown");
}

/** The CairnError code `fn` throws, `"not a CairnError"` for other errors, undefined when it returns. */
export function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isCairnError(error) ? error.code : "not a CairnError";
  }
  return undefined;
}
