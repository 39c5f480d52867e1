#!/usr/bin/env bash
# Runs a real single-node Apache Kafka broker (KRaft, no ZooKeeper) on loopback, from Maven Central
# jars, for machines without Docker. Idempotent: `start` on a running broker only reports it.
#
#   scripts/kafka.sh start | stop | status | restart | logs
#
# KAFKA_PORT (9092) and KAFKA_CONTROLLER_PORT (9093) choose the ports; the jars are cached in
# $STRATUS_CACHE (default ~/.cache/stratus) and the broker's data and log live under it too.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STRATUS_CACHE="${STRATUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stratus}"
KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/kafka/pom.xml")"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx512m}"
lib="$STRATUS_CACHE/kafka-$KAFKA_VERSION/lib"
run="$STRATUS_CACHE/kafka-run-$KAFKA_PORT"
pidfile="$run/kafka.pid"
logfile="$run/kafka.log"

log() { printf '\033[1;34m[kafka]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[kafka] error:\033[0m %s\n' "$*" >&2; exit 1; }

source "$(dirname "${BASH_SOURCE[0]}")/lib/local-server.sh"

fetch() {
  if [ -f "$lib/.complete" ]; then return 0; fi
  command -v java >/dev/null || die "java is required (apt-get install default-jre-headless)"
  command -v mvn >/dev/null || die "mvn is required to fetch Kafka from Maven Central (apt-get install maven)"
  log "fetching Apache Kafka $KAFKA_VERSION from Maven Central into $lib"
  rm -rf "$lib" && mkdir -p "$lib"
  mvn -q -B -f "$here/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$lib" -DincludeScope=runtime >&2 || die "mvn could not fetch Kafka $KAFKA_VERSION"
  touch "$lib/.complete"
}

configure() {
  mkdir -p "$run/data"
  cat > "$run/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$run/data
num.partitions=6
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# Topics are created by the project with their partition counts, never by a typo in a consumer.
auto.create.topics.enable=false
delete.topic.enable=true
log.retention.hours=168
PROPS
  cat > "$run/log4j.properties" <<'PROPS'
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${kafka.logs.dir}/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
PROPS
  if [ ! -f "$run/data/meta.properties" ]; then
    java -cp "$lib/*" -Dlog4j.configuration="file:$run/log4j.properties" -Dkafka.logs.dir="$run" \
      kafka.tools.StorageTool format -t "$(java -cp "$lib/*" kafka.tools.StorageTool random-uuid 2>/dev/null)" \
      -c "$run/server.properties" >&2 || die "could not format KRaft storage in $run/data"
  fi
}

ready() { grep -q 'Kafka Server started' "$run/server.log" 2>/dev/null && port_open "$KAFKA_PORT"; }

start() {
  if pid_alive && port_open "$KAFKA_PORT"; then log "already running on 127.0.0.1:$KAFKA_PORT (pid $(cat "$pidfile"))"; return 0; fi
  if port_open "$KAFKA_PORT"; then log "something already listens on 127.0.0.1:$KAFKA_PORT; using it as the broker"; return 0; fi
  fetch
  configure
  log "starting Kafka $KAFKA_VERSION (KRaft) on 127.0.0.1:$KAFKA_PORT"
  # setsid: the broker outlives the shell that started it, and Ctrl-C in that shell does not reach it.
  # It keeps none of the caller's descriptors either: started under `flock /tmp/stratus-bench.lock`
  # (scripts/bench.sh starts it), it would otherwise hold that lock for as long as it runs.
  (
    for fd in /proc/self/fd/*; do fd="${fd##*/}"; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done
    exec setsid java $KAFKA_HEAP -XX:+UseG1GC -Djava.awt.headless=true \
      -Dlog4j.configuration="file:$run/log4j.properties" -Dkafka.logs.dir="$run" \
      -cp "$lib/*" kafka.Kafka "$run/server.properties"
  ) >"$logfile" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  server_wait "${KAFKA_START_TIMEOUT:-90}" "the broker on 127.0.0.1:$KAFKA_PORT" "$run/server.log" ready
  log "ready on 127.0.0.1:$KAFKA_PORT"
}

stop() { server_stop 30; }
status() { server_status "$KAFKA_PORT" "127.0.0.1:$KAFKA_PORT"; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) status ;;
  logs) tail -n "${2:-100}" -f "$run/server.log" ;;
  fetch) fetch ;;
  *) echo "usage: $0 start|stop|restart|status|logs|fetch" >&2; exit 2 ;;
esac
