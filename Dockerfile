# One image for every role (ROLE=api | worker | all). Built and run by docker-compose.yml.
# Node 24 LTS (Node 20 reached its end of life in April 2026).
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev
# The web client: its own packages; it imports the server's types from ../src.
COPY web/package.json web/package-lock.json ./web/
RUN cd web && npm ci --no-audit --no-fund
COPY web ./web
RUN cd web && node node_modules/vite/bin/vite.js build

FROM node:24-bookworm-slim
# The yt-dlp release the image starts with (a current one when this was written: 2026.08.19);
# the workers then keep it current themselves (YTDLP_AUTO_UPDATE). Override with --build-arg.
ARG YTDLP_VERSION=2026.08.19
# ffmpeg from Debian; python3-venv so vidpipe can install and update its own yt-dlp.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# yt-dlp[default] in the same managed layout `npm start` uses (TOOLS_DIR/yt-dlp/versions/<v> and a
# `current` symlink), owned by the app's user so updates can replace it. Not a volume: each
# container keeps its own copy current, so scaled workers never remove one another's version.
ENV TOOLS_DIR=/opt/vidpipe/tools
RUN set -e; v=/opt/vidpipe/tools/yt-dlp/versions/image-${YTDLP_VERSION}; \
    python3 -m venv "$v"; \
    "$v/bin/pip" install --no-cache-dir --disable-pip-version-check "yt-dlp[default]==${YTDLP_VERSION}"; \
    "$v/bin/yt-dlp" --version > "$v/.vidpipe-complete"; \
    ln -s "versions/image-${YTDLP_VERSION}" /opt/vidpipe/tools/yt-dlp/current; \
    chown -R node:node /opt/vidpipe/tools
WORKDIR /app
# JSON logs by default here: one object per line for a log collector (LOG_FORMAT=text for people).
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data YTDLP_AUTO_UPDATE=true LOG_FORMAT=json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
# Every role: an api answers GET /api/health/ready; a worker (no HTTP) has its heartbeat in Redis.
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s --retries=3 CMD ["node", "dist/healthcheck.js"]
# Run it with an init as PID 1 (compose: `init: true`; `docker run --init`): tools' children get reaped.
CMD ["node", "dist/main.js"]
