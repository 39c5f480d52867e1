# One image for every Stratus service and the CLI; SERVICE picks which one runs.
# Node runs the TypeScript sources directly (type stripping), so there is no build stage.
FROM node:24-slim AS deps
WORKDIR /app
RUN corepack enable
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY packages ./packages
COPY services ./services
RUN pnpm install --frozen-lockfile --prod --ignore-scripts

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app /app
USER node
ENV SERVICE=ingestion
# `docker run <image> stratus migrate` runs the CLI instead of a service.
ENTRYPOINT ["/bin/sh", "-c", "if [ \"$1\" = stratus ]; then shift; exec node packages/cli/src/main.ts \"$@\"; else exec node services/$SERVICE/src/main.ts; fi", "--"]
