import { CairnError, ERROR_CODES } from "@cairn/core";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { toTrpcError } from "../error-map.js";

/** A domain error code as the wire shows it. */
export interface DocumentedError {
  /** The `CairnError` code (`error.data.domainCode` in tRPC answers, `error.code` on byte routes). */
  code: string;
  /** The tRPC code (`error.data.code`). */
  trpcCode: string;
  httpStatus: number;
}

/**
 * Every domain error code with the HTTP status it is answered with, read through the same mapping
 * the server applies to a thrown error (so the document follows the one error table wherever it
 * lives), plus the errors tRPC itself raises for malformed requests and server faults.
 */
export function documentedErrors(): DocumentedError[] {
  const domain = ERROR_CODES.map((code) => {
    const trpc = toTrpcError(new CairnError(code, code));
    return { code, trpcCode: trpc.code, httpStatus: getHTTPStatusCodeFromError(trpc) };
  });
  return [
    ...domain,
    { code: "PARSE_ERROR", trpcCode: "PARSE_ERROR", httpStatus: 400 },
    { code: "METHOD_NOT_SUPPORTED", trpcCode: "METHOD_NOT_SUPPORTED", httpStatus: 405 },
    { code: "INTERNAL_SERVER_ERROR", trpcCode: "INTERNAL_SERVER_ERROR", httpStatus: 500 },
  ];
}
