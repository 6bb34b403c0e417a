# Build stage: better-sqlite3 compiles from source, which needs a toolchain the runtime does not.
FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production DATA_DIR=/data HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY views ./views
COPY public ./public
# meta/ holds the journal the migrator reads: without it no migration is applied.
COPY migrations ./migrations
# A named volume takes the owner of the mount point, so /data must belong to node before VOLUME.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
# No curl in the slim image; Node's fetch does the job, on whatever PORT the container was given.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tsx is a runtime dependency. Node runs as PID 1 directly (no npm, no tsx launcher process in
# between), so SIGTERM from `docker stop` reaches the server's graceful shutdown.
CMD ["node", "--import", "tsx", "src/server.ts"]
