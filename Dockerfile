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
USER node
ENTRYPOINT ["node", "--max-semi-space-size=64", "packages/cli/bin/tickline.js"]
CMD ["--help"]
