import type { ServiceDeps } from "./deps.js";

/** Accounts service (stub — being written). */
export function createAccountsService(deps: ServiceDeps) {
  return { deps };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
