import type { AppRouter } from "@cairn/api";
import { createTRPCContext } from "@trpc/tanstack-react-query";

/**
 * tRPC's own TanStack Query integration: `useTRPC()` gives `trpc.<domain>.<procedure>` with
 * `queryOptions`, `infiniteQueryOptions`, `mutationOptions` and `pathKey()`, typed from the router.
 */
export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/** `getNextPageParam` of every cursor-paged listing (`{ …, nextCursor }` answers). */
export function nextCursor(last: { nextCursor?: string | null | undefined }): string | undefined {
  return last.nextCursor ?? undefined;
}
