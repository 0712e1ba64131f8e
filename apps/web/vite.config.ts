import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * Builds the single-page app to `apps/web/dist`, which the server serves at `/` (see
 * `apps/server/src/config.ts`). In `vite dev`, `/trpc` and `/blobs` are proxied to a local server.
 */
export default defineConfig({
  base: "/",
  root: fileURLToPath(new URL(".", import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("./dist", import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    proxy: {
      "/trpc": process.env.CAIRN_DEV_API ?? "http://127.0.0.1:8787",
      "/blobs": process.env.CAIRN_DEV_API ?? "http://127.0.0.1:8787",
    },
  },
});
