# syntax=docker/dockerfile:1
# One image for every Parley app. The command picks the app (docs/OPERATIONS.md):
#   node apps/gateway/dist/main.js      distributed gateway      (PORT 8080, PARLEY_INTERNAL_PORT 9100)
#   node apps/ingest/dist/main.js       distributed ingest       (/healthz on PARLEY_OPS_PORT 9465)
#   node apps/fanout/dist/main.js       distributed fanout       (/healthz on PARLEY_OPS_PORT 9465)
#   node apps/query/dist/main.js        distributed query        (PORT 8081)
#   node apps/query/dist/replay-main.js the replay CLI
#   (default) node apps/gateway/dist/single-node-main.js: everything in one process, data in /var/lib/parley
# Every distributed app serves Prometheus metrics on PARLEY_METRICS_PORT (9464).
#
#   docker build -t parley:local .
#   docker run --rm -p 8080:8080 -v parley-data:/var/lib/parley parley:local

ARG NODE_IMAGE=node:20-bookworm-slim

# Only the package manifests, so that the dependency layer below is rebuilt only when they change.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /manifests \
 && cp package.json package-lock.json /manifests/ \
 && find schemas libs apps -maxdepth 2 -name package.json -exec cp --parents {} /manifests/ \;

FROM ${NODE_IMAGE} AS build
ENV TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app
COPY --from=manifests /manifests/ ./
# `npm install`, not `npm ci`: see the README (npm 11.16+ locks without unservable platform packages).
RUN npm install --no-audit --no-fund
COPY . .
RUN npx turbo run build --output-logs=errors-only \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf .turbo node_modules/.cache

FROM ${NODE_IMAGE}
# MALLOC_MMAP_THRESHOLD_: large buffers go back to the system when freed (scripts/build-then-run.mjs says why).
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps \
    MALLOC_MMAP_THRESHOLD_=131072 \
    HOST=0.0.0.0 \
    PARLEY_DATA_DIR=/var/lib/parley
WORKDIR /app
# Owned by root and read-only for the app's user; only the single-node data directory is writable.
COPY --from=build /app /app
RUN mkdir -p /var/lib/parley && chown node:node /var/lib/parley
VOLUME ["/var/lib/parley"]
# The node image's unprivileged user (uid 1000).
USER node
EXPOSE 8080 8081 9100 9464 9465
STOPSIGNAL SIGTERM
CMD ["node", "apps/gateway/dist/single-node-main.js"]
