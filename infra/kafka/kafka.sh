#!/usr/bin/env bash
# One Apache Kafka 3.9 node in KRaft mode (broker and controller in one JVM), without Docker.
#   kafka.sh fetch          resolve the jars with Maven once (cached in ~/.m2 and .vigil/kafka/libs)
#   kafka.sh start          fetch, format storage if new, start, wait until metadata answers
#   kafka.sh topics         create the contract's topics (KAFKA_PARTITIONS, default 6)
#   kafka.sh stop | status
# Data and logs live under $VIGIL_DATA_DIR/kafka (default <repo>/.vigil/kafka).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
data=${VIGIL_DATA_DIR:-$root/.vigil}/kafka
libs=$data/libs
port=${KAFKA_PORT:-9092}
controller_port=${KAFKA_CONTROLLER_PORT:-9093}
heap=${KAFKA_HEAP:-768m}

log() { printf '[kafka] %s\n' "$*" >&2; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

fetch() {
  local stamp
  stamp=$(sha256sum "$here/pom.xml" | cut -c1-16)
  if [ -f "$libs/.stamp" ] && [ "$(cat "$libs/.stamp")" = "$stamp" ]; then return 0; fi
  log "resolving Kafka jars with Maven (first run only)"
  rm -rf "$libs"
  mkdir -p "$libs"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$libs" >&2
  echo "$stamp" >"$libs/.stamp"
}

java_cmd() {
  java -Xms256m -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Dkafka.logs.dir="$data/logs" -Dlog4j.configuration="file:$here/log4j.properties" \
    -cp "$libs/*" "$@"
}

write_config() {
  mkdir -p "$data/logs" "$data/store"
  cat >"$data/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data/store
num.partitions=${KAFKA_PARTITIONS:-6}
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
delete.topic.enable=true
num.network.threads=2
num.io.threads=4
log.retention.hours=168
log.segment.bytes=134217728
message.max.bytes=1048588
PROPS
}

start() {
  if listening "$port"; then
    log "already listening on 127.0.0.1:$port"
    wait_ready
    return 0
  fi
  fetch
  write_config
  if [ ! -f "$data/store/meta.properties" ]; then
    local id
    id=$(java_cmd kafka.tools.StorageTool random-uuid | tail -n1)
    log "formatting storage (cluster $id)"
    java_cmd kafka.tools.StorageTool format -t "$id" -c "$data/server.properties" --ignore-formatted >"$data/logs/format.log" 2>&1
  fi
  log "starting on 127.0.0.1:$port (heap $heap)"
  local t0=$SECONDS
  nohup java -Xms256m -Xmx"$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Dkafka.logs.dir="$data/logs" -Dlog4j.configuration="file:$here/log4j.properties" \
    -cp "$libs/*" kafka.Kafka "$data/server.properties" >"$data/logs/stdout.log" 2>&1 &
  echo $! >"$data/kafka.pid"
  wait_ready
  log "ready in $((SECONDS - t0)) s"
}

wait_ready() {
  local deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-90}))
  until listening "$port"; do
    if [ -f "$data/kafka.pid" ] && ! kill -0 "$(cat "$data/kafka.pid")" 2>/dev/null; then
      log "broker exited; last log lines:"; tail -n 30 "$data/logs/stdout.log" "$data/logs/server.log" >&2 || true
      return 1
    fi
    [ $SECONDS -lt $deadline ] || { log "timed out waiting for port $port"; return 1; }
    sleep 0.5
  done
  (cd "$root" && node_modules/.bin/tsx infra/kafka/admin.ts wait)
}

topics() {
  (cd "$root" && KAFKA_PARTITIONS=${KAFKA_PARTITIONS:-6} node_modules/.bin/tsx infra/kafka/admin.ts topics)
}

stop() {
  local pid
  if [ -f "$data/kafka.pid" ] && pid=$(cat "$data/kafka.pid") && kill -0 "$pid" 2>/dev/null; then
    log "stopping (pid $pid)"
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" || true
  else
    log "not running (from this folder)"
  fi
  rm -f "$data/kafka.pid"
}

status() {
  if listening "$port"; then echo "kafka: listening on 127.0.0.1:$port"; else echo "kafka: down"; return 1; fi
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  topics) topics ;;
  stop) stop ;;
  status) status ;;
  wait) wait_ready ;;
  reset) stop; rm -rf "$data/store" "$data/logs" ;;
  *) echo "usage: $0 fetch|start|topics|stop|status|wait|reset" >&2; exit 2 ;;
esac
