# One image for both services; docker-compose.yml picks the command.
FROM node:20-slim
RUN npm install -g pnpm@10
WORKDIR /app
COPY pnpm-workspace.yaml package.json pnpm-lock.yaml ./
COPY packages/shared/package.json packages/shared/
COPY apps/core/package.json apps/core/
COPY apps/gateway/package.json apps/gateway/
COPY apps/web/package.json apps/web/
COPY load-tests/package.json load-tests/
COPY tests/package.json tests/
RUN pnpm install --frozen-lockfile
COPY . .
RUN pnpm --filter ./apps/web build
ENV NODE_ENV=production HOST=0.0.0.0
