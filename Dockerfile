# Build stage: better-sqlite3 compiles from source, which needs a toolchain the runtime does not.
# Node 24 is the current LTS line; package.json states the oldest Node that Roster runs on (20).
FROM node:24-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci
COPY src ./src
# Compiled once here: the runtime image runs plain JavaScript, with no transpiler.
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production DATA_DIR=/data HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json package-lock.json ./
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
# Node runs as PID 1 directly (no npm in between), so SIGTERM from `docker stop` reaches the
# server's graceful shutdown.
CMD ["node", "dist/server.js"]
