# One image for every Tickline service; docker-compose.yml picks the service with the command.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig*.json ./
COPY packages ./packages
COPY services ./services
COPY scripts ./scripts
RUN npm ci --ignore-scripts=false && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
# Scraped from outside the container; the port is fixed by TICKLINE_METRICS_PORT (default 9464).
ENV TICKLINE_METRICS_HOST=0.0.0.0
# Writable by the service user: a named volume mounted here starts with this owner (the file cache, the
# ingestor's spool); /app itself stays read-only to it.
RUN mkdir -p /data/cache /data/spool && chown node:node /data/cache /data/spool
ENV TICKLINE_SPOOL_DIR=/data/spool
USER node
ENTRYPOINT ["node", "--max-semi-space-size=64", "packages/cli/bin/tickline.js"]
CMD ["--help"]
