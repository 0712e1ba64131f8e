import { TRPCClientError } from "@trpc/client";
import { describe, expect, it } from "vitest";
import { errorCodeOf, httpStatusOf, shouldRetry } from "./trpc.js";

const apiError = (httpStatus: number, domainCode: string) =>
  new TRPCClientError("refused", {
    result: { error: { message: "refused", code: -32004, data: { httpStatus, domainCode } } },
  } as never);

describe("query retries", () => {
  it("shows a 4xx at once and retries a network failure or a 5xx once", () => {
    const notFound = apiError(404, "NOT_FOUND");
    expect(httpStatusOf(notFound)).toBe(404);
    expect(errorCodeOf(notFound)).toBe("NOT_FOUND");
    expect(shouldRetry(0, notFound)).toBe(false);
    expect(shouldRetry(0, apiError(503, "UNAVAILABLE"))).toBe(true);
    expect(shouldRetry(0, new TypeError("Failed to fetch"))).toBe(true);
    expect(shouldRetry(1, new TypeError("Failed to fetch"))).toBe(false);
  });
});
