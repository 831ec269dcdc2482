#!/usr/bin/env bash
# `npm run demo [-- --seconds N --buyers N --seed S --exit]`: install if needed, bring the local
# stack up (Kafka, Redis, PostgreSQL; KAFKA_BROKERS / REDIS_URL / DATABASE_URL point at existing
# ones instead, VIGIL_EXTERNAL_KAFKA=1 skips the local broker), then run the demo (scripts/demo.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_install
bash infra/stack.sh up
# exec: Ctrl-C reaches the demo itself, which stops its services with SIGTERM.
exec node --import tsx scripts/demo.ts "$@"
