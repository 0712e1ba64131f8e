/** The signed-in API key, kept per browser tab (session storage) so closing the tab signs out. */
export interface ApiKeyStore {
  get(): string | null;
  set(key: string | null): void;
  /** Called after every change; returns an unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

/** Stored instead of a key to browse public projects anonymously (never sent as a key). */
export const ANONYMOUS = "anonymous";

const STORAGE_KEY = "cairn.apiKey";

/**
 * An {@link ApiKeyStore} over a `Storage` (session storage in the app). Passed in rather than
 * global so the tRPC client and the React tree read the same instance.
 */
export function createApiKeyStore(storage: Pick<Storage, "getItem" | "setItem" | "removeItem">) {
  const listeners = new Set<() => void>();
  const store: ApiKeyStore = {
    get: () => storage.getItem(STORAGE_KEY),
    set(key) {
      if (key === null) storage.removeItem(STORAGE_KEY);
      else storage.setItem(STORAGE_KEY, key);
      for (const listener of listeners) listener();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return store;
}
