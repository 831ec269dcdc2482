#!/usr/bin/env bash
# The local stack, without Docker: Redis and PostgreSQL from this machine (started when down),
# one Kafka node from infra/kafka, the `vigil` database and its migrations, and the topics.
#   infra/stack.sh up | down | status
# Point at other instances with KAFKA_BROKERS, REDIS_URL, DATABASE_URL; then nothing local is
# started for that part (set VIGIL_EXTERNAL_KAFKA=1 to skip the local broker).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
log() { printf '[stack] %s\n' "$*" >&2; }
listening() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

redis_up() {
  if [ -n "${REDIS_URL:-}" ] && [ "$REDIS_URL" != "redis://127.0.0.1:6379" ]; then return 0; fi
  if listening 127.0.0.1 6379; then return 0; fi
  command -v redis-server >/dev/null || { log "redis-server not installed (apt-get install redis-server)"; exit 1; }
  log "starting Redis on 127.0.0.1:6379"
  mkdir -p "$root/.vigil/redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "$root/.vigil/redis" --logfile "$root/.vigil/redis/redis.log"
  for _ in $(seq 1 50); do listening 127.0.0.1 6379 && return 0; sleep 0.2; done
  log "Redis did not start"; exit 1
}

postgres_up() {
  if [ -n "${DATABASE_URL:-}" ]; then return 0; fi
  if listening 127.0.0.1 5432; then return 0; fi
  log "starting PostgreSQL"
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n1)" main start
  else
    log "PostgreSQL is not running and pg_ctlcluster is missing; start it or set DATABASE_URL"; exit 1
  fi
  for _ in $(seq 1 100); do listening 127.0.0.1 5432 && return 0; sleep 0.2; done
  log "PostgreSQL did not start"; exit 1
}

case "${1:-}" in
  up)
    [ -d node_modules ] || { log "installing npm packages"; npm ci --no-audit --no-fund; }
    redis_up
    postgres_up
    if [ -z "${VIGIL_EXTERNAL_KAFKA:-}" ]; then bash infra/kafka/kafka.sh start; fi
    bash infra/kafka/kafka.sh topics
    node_modules/.bin/tsx packages/db/src/cli.ts
    log "up: Kafka ${KAFKA_BROKERS:-127.0.0.1:9092}, Redis ${REDIS_URL:-redis://127.0.0.1:6379}, PostgreSQL ${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/vigil}"
    ;;
  down)
    # Redis and PostgreSQL belong to the machine; only the broker this project started stops.
    bash infra/kafka/kafka.sh stop
    ;;
  status)
    bash infra/kafka/kafka.sh status || true
    listening 127.0.0.1 6379 && echo "redis: up" || echo "redis: down"
    listening 127.0.0.1 5432 && echo "postgres: up" || echo "postgres: down"
    ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
