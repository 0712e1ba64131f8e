import type { AppRouter } from "@cairn/api";
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { ANONYMOUS, type ApiKeyStore } from "./api-key-store.js";

/** The typed vanilla client (the TanStack Query integration below is built on it). */
export type CairnClient = ReturnType<typeof createTRPCClient<AppRouter>>;

type Inputs = inferRouterInputs<AppRouter>;
type Outputs = inferRouterOutputs<AppRouter>;
type Procedures = {
  [D in keyof Inputs & string]: { [P in keyof Inputs[D] & string]: `${D}.${P}` }[keyof Inputs[D] &
    string];
}[keyof Inputs & string];

/** Every procedure as `"domain.name"`, e.g. `"artifacts.get"`. */
export type ProcedurePath = Procedures;
type Domain<P> = P extends `${infer D}.${string}` ? D : never;
type Name<P> = P extends `${string}.${infer N}` ? N : never;

/** The input of a procedure, inferred from the router. */
export type InputOf<P extends ProcedurePath> =
  Domain<P> extends keyof Inputs
    ? Name<P> extends keyof Inputs[Domain<P>]
      ? Inputs[Domain<P>][Name<P>]
      : never
    : never;

/** The output of a procedure, inferred from the router. */
export type OutputOf<P extends ProcedurePath> =
  Domain<P> extends keyof Outputs
    ? Name<P> extends keyof Outputs[Domain<P>]
      ? Outputs[Domain<P>][Name<P>]
      : never
    : never;

/**
 * The client the app talks through: batched HTTP to `/trpc` on the same origin, with the API key
 * from `keys` read on every request (so signing in needs no new client).
 */
export function createCairnClient(keys: ApiKeyStore, origin: string): CairnClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: new URL("/trpc", origin).href,
        // Long batched GET URLs are refused by some proxies; split the batch instead.
        maxURLLength: 4000,
        headers: () => {
          const key = keys.get();
          return key && key !== ANONYMOUS ? { authorization: `Bearer ${key}` } : {};
        },
      }),
    ],
  });
}

/** The domain code (`NOT_FOUND`, `ALIAS_PROTECTED`, …) of an API error, when it has one. */
export function errorCodeOf(error: unknown): string | null {
  if (!(error instanceof TRPCClientError)) return null;
  const data = error.data as { domainCode?: string | null; code?: string } | undefined;
  return data?.domainCode ?? data?.code ?? null;
}

/** The HTTP status of an API error, when it has one (4xx: the request itself was wrong). */
export function httpStatusOf(error: unknown): number | null {
  if (!(error instanceof TRPCClientError)) return null;
  const data = error.data as { httpStatus?: number } | undefined;
  return data?.httpStatus ?? null;
}

/**
 * Whether a failed query is worth one more try: network trouble and 5xx are; a 4xx answer
 * (not found, forbidden, bad input) will not change, so it is shown at once instead of fetched twice.
 */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  const status = httpStatusOf(error);
  return failureCount < 1 && (status === null || status >= 500);
}
