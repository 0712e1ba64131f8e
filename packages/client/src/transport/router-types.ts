import type { AppRouter } from "@cairn/api";
import type { TRPCClient } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";

/**
 * Types inferred from the server's router, so every input and output the client handles is the
 * one the server declares (the client imports `AppRouter` as a type only: no server code ships).
 */

/** Inputs of every procedure, by `router.procedure`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Outputs of every procedure, by `router.procedure`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
/** The typed tRPC client of a Cairn server. */
export type CairnTrpcClient = TRPCClient<AppRouter>;

/** A version as the server describes it (`artifacts.get`). */
export type VersionInfo = RouterOutputs["artifacts"]["get"];
/** A run as the server describes it (`runs.get`). */
export type RunInfo = RouterOutputs["runs"]["get"];
/** A project as the server describes it (`projects.get`). */
export type ProjectInfo = RouterOutputs["projects"]["get"];
/** `{ entity, project }` of every project-scoped procedure. */
export interface ProjectRef {
  entity: string;
  project: string;
}
