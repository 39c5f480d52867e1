# Sourced by the scripts that run a local server in the background (kafka.sh, s3.sh) after they set
# $pidfile and define log and die: waiting for it to answer, whether it runs, and stopping it
# gently, then firmly.

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pid_alive() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

# server_wait <seconds> <what> <log file> <ready check...>: polls the check until it succeeds; when
# the process exits or the time is up, dies naming <what> and showing the log's tail.
server_wait() {
  local seconds=$1 what=$2 logs=$3; shift 3
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    pid_alive || { tail -n 30 "$logs" >&2 2>/dev/null; die "$what exited during start-up (see $logs)"; }
    [ $SECONDS -lt $deadline ] || die "$what did not answer within ${seconds}s (see $logs)"
    sleep 0.5
  done
}

# server_stop <seconds>: SIGTERM, then SIGKILL if it is still running after that long.
server_stop() {
  if ! pid_alive; then log "not running"; rm -f "$pidfile"; return 0; fi
  local pid; pid="$(cat "$pidfile")"
  log "stopping (pid $pid)"
  kill "$pid"
  for _ in $(seq 1 $(($1 * 2))); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }; sleep 0.5; done
  log "still running after ${1}s: killing"; kill -9 "$pid" 2>/dev/null || true; rm -f "$pidfile"
}

# server_status <port> <address shown>: exit status 3 when nothing listens.
server_status() {
  if port_open "$1"; then echo "running on $2 ($(cat "$pidfile" 2>/dev/null || echo 'not started by this script'))"; else echo "stopped"; return 3; fi
}
