# syntax=docker/dockerfile:1
# One image for `cairn server` and `cairn worker` (docker-compose.yml picks the command).
#
# NOT BUILT: Docker cannot run on the machine this was written on; the build steps are the ones
# the repository's own CI runs (pnpm install, turbo build). Keep a .dockerignore with
# node_modules, **/node_modules, **/dist, .git and .turbo so host artefacts stay out.

# --- build: install everything, compile the server and worker and their workspace deps ---
FROM node:20-bookworm-slim AS build
WORKDIR /src
RUN corepack enable && corepack prepare pnpm@10.34.9 --activate
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml turbo.json ./
COPY tooling tooling
COPY packages packages
COPY apps apps
RUN pnpm install --frozen-lockfile
RUN pnpm exec turbo run build --filter=@cairn/server... --filter=@cairn/worker...
# Drop dev dependencies (TypeScript, vitest, …); workspace links to the built packages stay.
RUN pnpm install --frozen-lockfile --prod --offline

# --- runtime: compiled JavaScript and production node_modules only ---
FROM node:20-bookworm-slim AS runtime
# Only what both apps accept: the server's CAIRN_HOST/CAIRN_PORT come from docker-compose.yml.
ENV NODE_ENV=production \
    CAIRN_DATA_DIR=/var/lib/cairn
WORKDIR /app
COPY --from=build /src /app
RUN rm -rf /app/packages/*/src /app/apps/*/src \
 && useradd --system --home /var/lib/cairn cairn \
 && mkdir -p /var/lib/cairn && chown cairn /var/lib/cairn
USER cairn
EXPOSE 8787
CMD ["node", "apps/server/dist/main.js"]
