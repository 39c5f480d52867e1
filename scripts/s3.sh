#!/usr/bin/env bash
# Runs Adobe's S3Mock, a real S3-compatible server (path-style, any static credentials), on loopback
# from its Maven Central jar, for development and tests on machines without Docker. Idempotent:
# `start` on a running server only reports it.
#
#   scripts/s3.sh start | stop | status | restart | logs
#
# S3_PORT (9090) chooses the HTTP port (its HTTPS port, S3_HTTPS_PORT, defaults to 9191); S3_BUCKETS
# (stratus) are created at start. The jar is cached in $STRATUS_CACHE (default ~/.cache/stratus) and
# the objects are kept under it across restarts.
set -euo pipefail
STRATUS_CACHE="${STRATUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/stratus}"
S3MOCK_VERSION="${S3MOCK_VERSION:-3.12.0}"
S3_PORT="${S3_PORT:-9090}"
S3_HTTPS_PORT="${S3_HTTPS_PORT:-9191}"
S3_BUCKETS="${S3_BUCKETS:-stratus}"
S3_HEAP="${S3_HEAP:--Xms64m -Xmx384m}"
# S3Mock 3.x runs on Java 17; newer releases need a newer Java (JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java).
JAVA="${JAVA:-java}"
jar="$STRATUS_CACHE/s3mock-$S3MOCK_VERSION/s3mock-$S3MOCK_VERSION-exec.jar"
url="https://repo1.maven.org/maven2/com/adobe/testing/s3mock/$S3MOCK_VERSION/s3mock-$S3MOCK_VERSION-exec.jar"
run="$STRATUS_CACHE/s3-run-$S3_PORT"
pidfile="$run/s3.pid"
logfile="$run/s3.log"

log() { printf '\033[1;34m[s3]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[s3] error:\033[0m %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pid_alive() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

fetch() {
  [ -f "$jar" ] && return 0
  command -v curl >/dev/null || die "curl is required to fetch S3Mock from Maven Central (apt-get install curl)"
  log "fetching S3Mock $S3MOCK_VERSION from Maven Central into ${jar%/*}"
  mkdir -p "${jar%/*}"
  curl -fsSL -o "$jar.part" "$url" || die "could not download $url"
  # Maven Central publishes a SHA-1 beside every artifact: a truncated or altered jar is not kept.
  [ "$(curl -fsSL "$url.sha1" | cut -c1-40)" = "$(sha1sum "$jar.part" | cut -c1-40)" ] \
    || { rm -f "$jar.part"; die "the downloaded jar does not match Maven Central's checksum"; }
  mv "$jar.part" "$jar"
}

start() {
  if pid_alive && port_open "$S3_PORT"; then log "already running on 127.0.0.1:$S3_PORT (pid $(cat "$pidfile"))"; return 0; fi
  if port_open "$S3_PORT"; then log "something already listens on 127.0.0.1:$S3_PORT; using it as the S3 server"; return 0; fi
  command -v "$JAVA" >/dev/null || die "java is required (apt-get install default-jre-headless)"
  fetch
  mkdir -p "$run/store"
  log "starting S3Mock $S3MOCK_VERSION on 127.0.0.1:$S3_PORT (buckets: $S3_BUCKETS)"
  # setsid and closed descriptors, as in kafka.sh: the server outlives the shell and holds no lock of it.
  (
    for fd in /proc/self/fd/*; do fd="${fd##*/}"; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done
    # server.port is S3Mock's HTTPS port; the plain HTTP one has its own property.
    exec setsid "$JAVA" $S3_HEAP -XX:+UseSerialGC -Djava.awt.headless=true -jar "$jar" \
      --server.address=127.0.0.1 --server.port="$S3_HTTPS_PORT" \
      --com.adobe.testing.s3mock.httpPort="$S3_PORT" \
      --com.adobe.testing.s3mock.domain.root="$run/store" \
      --com.adobe.testing.s3mock.domain.retainFilesOnExit=true \
      --com.adobe.testing.s3mock.domain.initialBuckets="$S3_BUCKETS"
  ) >"$logfile" 2>&1 < /dev/null &
  echo $! > "$pidfile"
  local deadline=$((SECONDS + ${S3_START_TIMEOUT:-60}))
  until port_open "$S3_PORT" && curl -fsS -o /dev/null "http://127.0.0.1:$S3_PORT/" 2>/dev/null; do
    pid_alive || { tail -n 30 "$logfile" >&2; die "S3Mock exited during start-up (see $logfile)"; }
    [ $SECONDS -lt $deadline ] || die "S3Mock did not answer on 127.0.0.1:$S3_PORT within ${S3_START_TIMEOUT:-60}s (see $logfile)"
    sleep 0.5
  done
  log "ready on http://127.0.0.1:$S3_PORT"
}

stop() {
  if ! pid_alive; then log "not running"; rm -f "$pidfile"; return 0; fi
  local pid; pid="$(cat "$pidfile")"
  log "stopping (pid $pid)"
  kill "$pid"
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }; sleep 0.5; done
  log "still running after 20s: killing"; kill -9 "$pid" 2>/dev/null || true; rm -f "$pidfile"
}

status() {
  if port_open "$S3_PORT"; then echo "running on http://127.0.0.1:$S3_PORT${pidfile:+ ($(cat "$pidfile" 2>/dev/null || echo 'not started by this script'))}"; else echo "stopped"; return 3; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) status ;;
  logs) tail -n "${2:-100}" -f "$logfile" ;;
  fetch) fetch ;;
  *) echo "usage: $0 start|stop|restart|status|logs|fetch" >&2; exit 2 ;;
esac
