#!/usr/bin/env bash
# The project's test command (README): install, lint, typecheck, unit tests, then start the local
# stack (Kafka, Redis, PostgreSQL) and run the integration tests against it.
# With CI set, a broker this script started is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_install

started_kafka=
if [ -z "${VIGIL_EXTERNAL_KAFKA:-}" ] && ! (exec 3<>/dev/tcp/127.0.0.1/9092) 2>/dev/null; then started_kafka=1; fi
cleanup() { if [ -n "${CI:-}" ] && [ -n "$started_kafka" ]; then bash infra/kafka/kafka.sh stop || true; fi; }
trap cleanup EXIT

echo "== lint"; npx biome check .
echo "== typecheck"; npx turbo run typecheck --output-logs=errors-only
echo "== unit"; npx jest --selectProjects unit
echo "== monitoring config"; bash infra/prometheus/check.sh
echo "== stack"; bash infra/stack.sh up
echo "== integration"; npx jest --selectProjects integration --runInBand
