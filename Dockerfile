# syntax=docker/dockerfile:1
# One image for both services; docker-compose.yml picks the service by its working directory.
#   build      the page's and the services' whole dependency tree, to compile the contract, the core
#              and the gateway into dist/ (tsc) and bundle the page (esbuild): both development tools
#   prod-deps  the production dependencies of the core, the gateway and the contract, nothing else
#   (final)    those, the compiled JavaScript, the migrations and the page; no TypeScript, no tsx,
#              no esbuild. node runs as the unprivileged `node` user on `dist/server.js`, node itself
#              the main process, never pnpm (which would not pass SIGTERM on).
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS manifests
RUN npm install -g pnpm@10.34.9
WORKDIR /app
COPY pnpm-workspace.yaml package.json pnpm-lock.yaml ./
# The manifests of the packages installed below (the page, the services, the contract): the
# dependency layers are rebuilt only when one of them or the lockfile changes.
COPY packages/shared/package.json packages/shared/
COPY apps/core/package.json apps/core/
COPY apps/gateway/package.json apps/gateway/
COPY apps/web/package.json apps/web/

FROM manifests AS build
# The page depends on the contract, the core and the gateway: `web...` is all of them.
RUN pnpm install --frozen-lockfile --filter @rushgate/web...
COPY . .
RUN pnpm --filter @rushgate/web... build

FROM manifests AS prod-deps
RUN pnpm install --frozen-lockfile --prod --filter @rushgate/core --filter @rushgate/gateway --filter @rushgate/shared

FROM ${NODE_IMAGE}
ENV NODE_ENV=production HOST=0.0.0.0
WORKDIR /app
# pnpm's node_modules are symlinks into node_modules/.pnpm: copied together, they resolve as built.
COPY --from=prod-deps /app/node_modules node_modules
COPY --from=prod-deps /app/packages/shared/node_modules packages/shared/node_modules
COPY --from=prod-deps /app/apps/core/node_modules apps/core/node_modules
COPY --from=prod-deps /app/apps/gateway/node_modules apps/gateway/node_modules
# Each package's manifest (its `exports` point at dist/) and its compiled JavaScript.
COPY packages/shared/package.json packages/shared/
COPY --from=build /app/packages/shared/dist packages/shared/dist
COPY apps/core/package.json apps/core/
COPY --from=build /app/apps/core/dist apps/core/dist
COPY apps/core/drizzle apps/core/drizzle
COPY apps/gateway/package.json apps/gateway/
COPY --from=build /app/apps/gateway/dist apps/gateway/dist
# The gateway serves the page from ../../web/dist relative to its compiled files.
COPY --from=build /app/apps/web/dist apps/web/dist
USER node
WORKDIR /app/apps/gateway
EXPOSE 3000 3001
CMD ["node", "dist/server.js"]
