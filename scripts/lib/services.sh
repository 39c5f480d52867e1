# Sourced after toolchain.sh: makes sure PostgreSQL, Redis, Kafka and an S3-compatible server answer,
# starting the local ones when they do not. Each service can instead be given by its environment
# variable (DATABASE_URL / TEST_DATABASE_URL, REDIS_URL, KAFKA_BROKERS, S3_ENDPOINT), in which case it
# is only checked, never started.

_tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

_wait_tcp() { # host port name seconds
  local deadline=$((SECONDS + $4))
  until _tcp_open "$1" "$2"; do
    [ $SECONDS -lt $deadline ] || stratus_die "$3 did not answer on $1:$2 within $4s"
    sleep 0.5
  done
}

_url_host_port() { # url default_port -> "host port"
  node -e 'const u=new URL(process.argv[1]); console.log((u.hostname||"127.0.0.1").replace(/^\[|\]$/g,""), u.port||process.argv[2])' "$1" "$2"
}

ensure_postgres() {
  local url="${TEST_DATABASE_URL:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}}" host port
  read -r host port < <(_url_host_port "$url" 5432)
  _tcp_open "$host" "$port" && return 0
  case "$host" in 127.0.0.1|localhost|::1) ;; *) stratus_die "PostgreSQL at $host:$port does not answer (check DATABASE_URL)" ;; esac
  command -v pg_ctlcluster >/dev/null 2>&1 \
    || stratus_die "PostgreSQL is not running on $host:$port and is not installed: apt-get install postgresql, or set DATABASE_URL"
  stratus_log "starting PostgreSQL"
  # The version folder names the installed cluster (e.g. /etc/postgresql/15).
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start >&2 \
    || stratus_die "could not start PostgreSQL (pg_ctlcluster)"
  _wait_tcp "$host" "$port" PostgreSQL 30
}

ensure_redis() {
  local url="${REDIS_URL:-redis://127.0.0.1:6379}" host port
  read -r host port < <(_url_host_port "$url" 6379)
  _tcp_open "$host" "$port" && return 0
  case "$host" in 127.0.0.1|localhost|::1) ;; *) stratus_die "Redis at $host:$port does not answer (check REDIS_URL)" ;; esac
  command -v redis-server >/dev/null 2>&1 \
    || stratus_die "Redis is not running on $host:$port and is not installed: apt-get install redis-server, or set REDIS_URL"
  stratus_log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$port" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/stratus.log >&2 || stratus_die "could not start Redis"
  _wait_tcp "$host" "$port" Redis 15
}

ensure_kafka() {
  if [ -n "${KAFKA_BROKERS:-}" ] && [ "$KAFKA_BROKERS" != "127.0.0.1:9092" ]; then
    local first="${KAFKA_BROKERS%%,*}"
    _tcp_open "${first%:*}" "${first##*:}" || stratus_die "Kafka at $first does not answer (check KAFKA_BROKERS)"
    return 0
  fi
  "$STRATUS_ROOT/scripts/kafka.sh" start
}

ensure_s3() {
  if [ -n "${S3_ENDPOINT:-}" ] && [ "$S3_ENDPOINT" != "http://127.0.0.1:${S3_PORT:-9090}" ]; then
    local host port
    read -r host port < <(_url_host_port "$S3_ENDPOINT" 443)
    _tcp_open "$host" "$port" || stratus_die "the S3 endpoint $S3_ENDPOINT does not answer (check S3_ENDPOINT)"
    return 0
  fi
  "$STRATUS_ROOT/scripts/s3.sh" start
}

ensure_dependencies() {
  # A lockfile that does not match package.json is an error in CI, a reinstall on a laptop.
  if [ -n "${CI:-}" ]; then
    pnpm install --frozen-lockfile --reporter=append-only >&2
  else
    pnpm install --prefer-offline --reporter=silent >&2
  fi
}

ensure_chromium() {
  # The console's browser tests drive Debian's Chromium through playwright-core (which brings no
  # browser of its own). CHROMIUM_PATH points at another build instead.
  local path="${CHROMIUM_PATH:-/usr/bin/chromium}"
  [ -x "$path" ] && return 0
  [ -n "${CHROMIUM_PATH:-}" ] && stratus_die "CHROMIUM_PATH=$path is not an executable"
  command -v apt-get >/dev/null 2>&1 || stratus_die "Chromium is missing at $path: install it, or set CHROMIUM_PATH"
  stratus_log "installing Chromium (apt-get) for the browser tests"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2 || stratus_die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >&2 || stratus_die "could not install chromium (apt-get)"
}
