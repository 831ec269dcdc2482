# One image for every Vigil service; the compose file picks the service with `command`.
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
COPY services ./services
COPY bench/package.json ./bench/package.json
RUN npm ci --no-audit --no-fund && npm cache clean --force
ENV NODE_ENV=production
USER node
# e.g. command: ["services/detector/src/main.ts"]
ENTRYPOINT ["node", "--import", "tsx"]
