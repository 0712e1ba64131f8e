import {
  type InfiniteData,
  queryOptions,
  type UseQueryResult,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { createContext, type ReactNode, useContext } from "react";
import {
  type CairnClient,
  type InputOf,
  type OutputOf,
  type ProcedurePath,
  procedureOf,
} from "./trpc.js";

const ClientContext = createContext<CairnClient | null>(null);

/** Makes the tRPC client available to the hooks below. */
export function TrpcProvider(props: { client: CairnClient; children: ReactNode }) {
  return <ClientContext.Provider value={props.client}>{props.children}</ClientContext.Provider>;
}

/** The tRPC client from {@link TrpcProvider}. */
export function useClient(): CairnClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error("TrpcProvider is missing above this component");
  return client;
}

/** The query key of a procedure call: the path segments, then the input (TanStack hashes it). */
export function trpcKey<P extends ProcedurePath>(path: P, input?: InputOf<P>): readonly unknown[] {
  return input === undefined ? path.split(".") : [...path.split("."), input];
}

/** `queryOptions` for a procedure, typed from the router. */
export function trpcQueryOptions<P extends ProcedurePath>(
  client: CairnClient,
  path: P,
  input: InputOf<P>,
) {
  return queryOptions({
    queryKey: trpcKey(path, input),
    queryFn: ({ signal }) =>
      procedureOf(client, path).query(input, { signal }) as Promise<OutputOf<P>>,
  });
}

/** `useQuery` over a procedure: `useTrpcQuery("artifacts.get", { entity, project, ref })`. */
export function useTrpcQuery<P extends ProcedurePath>(
  path: P,
  input: InputOf<P>,
  options: { enabled?: boolean; staleTime?: number } = {},
): UseQueryResult<OutputOf<P>> {
  const client = useClient();
  return useQuery({ ...trpcQueryOptions(client, path, input), ...options });
}

/**
 * Cursor-paged listing (`{ …, nextCursor }` answers) as an infinite query: pages are fetched as
 * the list scrolls, never the whole collection at once.
 */
export function useTrpcInfinite<P extends ProcedurePath>(
  path: P,
  input: InputOf<P>,
  options: { enabled?: boolean } = {},
) {
  const client = useClient();
  return useInfiniteQuery<
    OutputOf<P>,
    Error,
    InfiniteData<OutputOf<P>>,
    readonly unknown[],
    string | undefined
  >({
    queryKey: [...trpcKey(path, input), "infinite"],
    initialPageParam: undefined,
    queryFn: ({ pageParam, signal }) =>
      procedureOf(client, path).query(
        pageParam === undefined ? input : { ...(input as object), cursor: pageParam },
        { signal },
      ) as Promise<OutputOf<P>>,
    getNextPageParam: (last) => (last as { nextCursor?: string | null }).nextCursor ?? undefined,
    ...options,
  });
}

/**
 * `useMutation` over a procedure. On success every query of the given domains is refetched, so
 * the page shows what the server now holds (alias moves touch other versions too).
 */
export function useTrpcMutation<P extends ProcedurePath>(
  path: P,
  invalidate: readonly string[] = [path.split(".")[0] ?? ""],
) {
  const client = useClient();
  const queryClient = useQueryClient();
  return useMutation<OutputOf<P>, Error, InputOf<P>>({
    mutationFn: (input) => procedureOf(client, path).mutate(input) as Promise<OutputOf<P>>,
    onSuccess: async () => {
      await Promise.all(
        invalidate.map((domain) => queryClient.invalidateQueries({ queryKey: [domain] })),
      );
    },
  });
}
