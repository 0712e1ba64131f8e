import "./styles.css";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createApiKeyStore } from "./api-key-store.js";
import { App } from "./app.js";
import { TRPCProvider } from "./query.js";
import { createCairnClient, shouldRetry } from "./trpc.js";

// The composition root: the one place that touches browser globals to build the app's pieces.
const keys = createApiKeyStore(window.sessionStorage);
const client = createCairnClient(keys, window.location.origin);
const queryClient = new QueryClient({
  defaultOptions: {
    // Registry data changes rarely while a page is open; refetch on focus is noise.
    queries: { staleTime: 30_000, refetchOnWindowFocus: false, retry: shouldRetry },
  },
});

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={client} queryClient={queryClient}>
        <App keys={keys} />
      </TRPCProvider>
    </QueryClientProvider>
  </StrictMode>,
);
