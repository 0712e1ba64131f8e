import { expect } from "vitest";

/**
 * The one module of "this fails with code X" assertions, for every suite: a CairnError from a
 * promise ({@link expectCode}) or a synchronous call ({@link expectThrowsCode}), and a TRPCError
 * from a server-side caller ({@link expectTrpcCode}). Errors are checked by shape (`name`,
 * `code`), like `isCairnError`, so copies of a package from `src` and `dist` both pass.
 */

/** A CairnError as tests see it. */
export type CodedError = Error & { code: string; details?: Readonly<Record<string, unknown>> };

/** A TRPCError as tests see it: its tRPC code, and the CairnError it wraps as `cause`. */
export type TrpcCodedError = Error & { code: string; cause?: unknown };

function isCoded(error: unknown, name: string): error is Error & { code: string } {
  const e = error as { name?: unknown; code?: unknown } | null;
  return typeof e === "object" && e !== null && e.name === name && typeof e.code === "string";
}

/**
 * Awaits `promise`, asserts it rejects with a CairnError of `code` (anything else is rethrown, so
 * the test shows it), and returns the error for further checks.
 */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<CodedError> {
  try {
    await promise;
  } catch (error) {
    if (!isCoded(error, "CairnError")) throw error;
    expect(error.code).toBe(code);
    return error as CodedError;
  }
  throw new Error(`expected a CairnError ${code}, but the call succeeded`);
}

/** {@link expectCode} for a synchronous call: `fn` must throw a CairnError of `code`. */
export function expectThrowsCode(fn: () => unknown, code: string): CodedError {
  try {
    fn();
  } catch (error) {
    if (!isCoded(error, "CairnError")) throw error;
    expect(error.code).toBe(code);
    return error as CodedError;
  }
  throw new Error(`expected a CairnError ${code}, but the call returned`);
}

/**
 * Awaits `promise`, asserts it rejects with a TRPCError of tRPC `code` (e.g. "NOT_FOUND") and,
 * when given, wrapping a CairnError of `domainCode`; returns the error.
 */
export async function expectTrpcCode(
  promise: Promise<unknown>,
  code: string,
  domainCode?: string,
): Promise<TrpcCodedError> {
  try {
    await promise;
  } catch (error) {
    if (!isCoded(error, "TRPCError")) throw error;
    expect(error.code).toBe(code);
    if (domainCode !== undefined) {
      const cause = (error as TrpcCodedError).cause;
      expect(isCoded(cause, "CairnError") ? cause.code : undefined).toBe(domainCode);
    }
    return error as TrpcCodedError;
  }
  throw new Error(`expected a TRPCError ${code}, but the call succeeded`);
}
