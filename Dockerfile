# One image for every Stratus service and the CLI; SERVICE picks which one runs.
# Node runs the TypeScript sources directly (type stripping), so there is no build stage.
FROM node:24-slim AS deps
WORKDIR /app
RUN corepack enable
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY packages ./packages
COPY services ./services
RUN pnpm install --frozen-lockfile --prod --ignore-scripts

# The console's web app is the one thing built: with its dev dependencies (Vite), in a stage of its
# own. Without its package (an older checkout) dist stays empty and the console says how to build it.
FROM node:24-slim AS web
WORKDIR /app
RUN corepack enable
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY packages ./packages
COPY services ./services
RUN if [ -f services/console/web/package.json ]; then \
      pnpm install --frozen-lockfile --ignore-scripts --filter "@stratus/console-web..." && pnpm --filter @stratus/console-web build; \
    else mkdir -p services/console/web/dist; fi

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app /app
COPY --from=web /app/services/console/web/dist /app/services/console/web/dist
USER node
ENV SERVICE=ingestion
# `docker run <image> stratus migrate` runs the CLI instead of a service.
ENTRYPOINT ["/bin/sh", "-c", "if [ \"$1\" = stratus ]; then shift; exec node packages/cli/src/main.ts \"$@\"; else exec node services/$SERVICE/src/main.ts; fi", "--"]
