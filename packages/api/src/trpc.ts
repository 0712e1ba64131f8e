import { isCairnError } from "@cairn/core";
import type { Actor, Services } from "@cairn/services";
import { initTRPC, TRPCError } from "@trpc/server";
import { ZodError, z } from "zod";
import { INTERNAL_MESSAGE, toTrpcError } from "./error-map.js";
import { describeValidationError } from "./validation-message.js";

/**
 * Per-request context: the composed services, who is calling (null = anonymous) and the request
 * id the HTTP host assigned (absent for in-process callers).
 */
export interface Context {
  services: Services;
  actor: Actor | null;
  requestId?: string;
}

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error, path, ctx }) {
    const cause = error.cause;
    // Input validation failures read as sentences (field, rule, fix), never as zod's issue dump.
    if (cause instanceof ZodError && error.code === "BAD_REQUEST") {
      return {
        ...shape,
        message: describeValidationError(cause, path),
        data: {
          ...shape.data,
          stack: undefined,
          domainCode: "INVALID_INPUT",
          requestId: null,
          zodError: z.flattenError(cause),
        },
      };
    }
    // A 500 is a server bug: its domain code is INTERNAL (never UNAVAILABLE, which tells the user
    // to start a server), and it names the request id the cause was logged under.
    const internal = error.code === "INTERNAL_SERVER_ERROR";
    const domainCode = isCairnError(cause) ? cause.code : internal ? "INTERNAL" : null;
    const requestId = internal ? (ctx?.requestId ?? null) : null;
    // A bug's own text (a SQL error, a stack) stays in the server log; the answer says what to do.
    const message = internal && !isCairnError(cause) ? INTERNAL_MESSAGE : shape.message;
    return {
      ...shape,
      message: requestId ? `${message} (request id ${requestId})` : message,
      data: {
        ...shape.data,
        // Never leak stack traces to clients.
        stack: undefined,
        domainCode,
        requestId,
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
const errorMapping = t.middleware(async ({ ctx, next }) => {
  const result = await next();
  if (!result.ok && result.error.code === "INTERNAL_SERVER_ERROR" && result.error.cause) {
    const mapped = toTrpcError(result.error.cause, ctx.requestId);
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
