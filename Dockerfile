# syntax=docker/dockerfile:1
# One image for both services; docker-compose.yml picks the service by its working directory.
#   build      the whole workspace, to build the page (esbuild is a development dependency)
#   prod-deps  the production dependencies of the core, the gateway and the contract, nothing else
#   (final)    those, the sources, the migrations and the page; node runs as the unprivileged `node`
#              user. The services are TypeScript run through tsx's loader, so tsx is a runtime
#              dependency of both (see apps/*/package.json): `node --import tsx src/server.ts`,
#              node itself the main process, never pnpm (which would not pass SIGTERM on).
ARG NODE_IMAGE=node:20-bookworm-slim

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
RUN pnpm install --frozen-lockfile --filter @rushgate/web...
COPY . .
RUN pnpm --filter ./apps/web build

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
# tsx reads the same compiler options as development and the tests.
COPY tsconfig.base.json ./
COPY packages/shared/package.json packages/shared/tsconfig.json packages/shared/
COPY packages/shared/src packages/shared/src
COPY apps/core/package.json apps/core/tsconfig.json apps/core/
COPY apps/core/src apps/core/src
COPY apps/core/drizzle apps/core/drizzle
COPY apps/gateway/package.json apps/gateway/tsconfig.json apps/gateway/
COPY apps/gateway/src apps/gateway/src
# The gateway serves the page from ../../web/dist relative to its sources.
COPY --from=build /app/apps/web/dist apps/web/dist
USER node
WORKDIR /app/apps/gateway
EXPOSE 3000 3001
CMD ["node", "--import", "tsx", "src/server.ts"]
