#!/usr/bin/env bash
# Runs the whole system on this machine: installs what is missing, starts PostgreSQL, Redis and a
# real Kafka broker when they are not running, creates and migrates the database, creates a demo
# organisation with an admin token, and starts all five services. Ctrl-C stops them.
#
# DATABASE_URL, REDIS_URL and KAFKA_BROKERS point it at other servers; STRATUS_CLOUD picks the
# cloud adapter (sim, the deterministic simulated cloud, by default).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/toolchain.sh"
source "$STRATUS_ROOT/scripts/lib/services.sh"
cd "$STRATUS_ROOT"

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/stratus}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
export STRATUS_CLOUD="${STRATUS_CLOUD:-sim}"
export LOG_PRETTY="${LOG_PRETTY:-true}"

ensure_dependencies
ensure_postgres
ensure_redis
ensure_kafka

pnpm --silent stratus db create
pnpm --silent stratus migrate

# A demo organisation and its admin token, made once and kept out of git; a stale token (the
# database was recreated) is replaced.
mkdir -p .stratus
token_file="$STRATUS_ROOT/.stratus/demo-token"
pnpm --silent stratus bootstrap --org "Demo" --email "admin@demo.stratus.local" --name "Demo Admin" \
  --token-file "$token_file" --existing-ok
export STRATUS_DEMO_TOKEN_FILE="$token_file"

exec node scripts/dev/launch.ts
