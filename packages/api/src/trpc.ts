import type { Actor, Services } from "@cairn/services";
import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError, z } from "zod";
import { toTrpcError } from "./error-map.js";

/** Per-request context: the composed services and who is calling (null = anonymous). */
export interface Context {
  services: Services;
  actor: Actor | null;
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const domainCode =
      cause &&
      typeof cause === "object" &&
      "code" in cause &&
      typeof cause.code === "string" &&
      cause.name === "CairnError"
        ? cause.code
        : null;
    return {
      ...shape,
      data: {
        ...shape.data,
        // Never leak stack traces to clients.
        stack: undefined,
        domainCode,
        zodError: cause instanceof ZodError ? z.flattenError(cause) : null,
      },
    };
  },
});

/**
 * Maps every thrown domain error to its tRPC code in one place (see error-map.ts). Only errors
 * tRPC could not classify (INTERNAL_SERVER_ERROR) are re-mapped: an error tRPC already marked as a
 * client mistake (a malformed body, a zod failure) keeps its 4xx.
 */
const errorMapping = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.code === "INTERNAL_SERVER_ERROR" && result.error.cause) {
    const mapped = toTrpcError(result.error.cause);
    if (mapped.code !== "INTERNAL_SERVER_ERROR") throw mapped;
  }
  return result;
});

export const router = t.router;
export const mergeRouters = t.mergeRouters;
export const createCallerFactory = t.createCallerFactory;

/** Anyone, including anonymous callers (reads of public/open projects, health). */
export const publicProcedure = t.procedure.use(errorMapping);

/** Refuses anonymous callers; narrows `ctx.actor` to non-null. */
const requireSignIn = t.middleware(({ ctx, next }) => {
  if (!ctx.actor) {
    throw new TRPCError({
      code: "UNAUTHORIZED",
      message:
        "Sign in: pass an API key as `Authorization: Bearer <key>` (CAIRN_API_KEY or `cairn login`).",
    });
  }
  return next({ ctx: { ...ctx, actor: ctx.actor } });
});

/** Callers with a valid API key; narrows `ctx.actor` to non-null. */
export const authedProcedure = publicProcedure.use(requireSignIn);

/** True when a procedure's middlewares include the sign-in check (for the OpenAPI document). */
export function requiresSignIn(middlewares: readonly unknown[]): boolean {
  return requireSignIn._middlewares.some((m) => middlewares.includes(m));
}
