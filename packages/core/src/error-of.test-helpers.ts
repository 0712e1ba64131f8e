import { type CairnError, isCairnError } from "./index.js";

/**
 * Calls `fn` and returns the CairnError it throws, for checks of its message; fails the test if it
 * throws nothing or another error. To assert a code, use `expectThrowsCode` of
 * `@cairn/vitest-config/expect-code`.
 */
export function errorOf(fn: () => unknown): CairnError {
  try {
    fn();
  } catch (error) {
    if (isCairnError(error)) return error;
    throw error;
  }
  throw new Error("expected a CairnError, nothing was thrown");
}
