#!/usr/bin/env bash
# Runs the whole system on this machine: installs what is missing, starts PostgreSQL, Redis, a
# real Kafka broker and an S3-compatible server (S3Mock) when they are not running, creates and
# migrates the database, creates a demo organisation with an admin token and a console password,
# builds the web console when its build is missing or stale, and starts all six services. Ctrl-C
# stops them.
#
# DATABASE_URL, REDIS_URL, KAFKA_BROKERS and S3_ENDPOINT (with S3_BUCKET and its credentials) point
# it at other servers; STRATUS_CLOUD picks the cloud adapter (sim, the deterministic simulated
# cloud, by default); CREDENTIALS_KEYS, when not set, comes from .stratus/credentials-keys, made on
# the first run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/toolchain.sh"
source "$STRATUS_ROOT/scripts/lib/services.sh"
cd "$STRATUS_ROOT"

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/stratus}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
# Cost archives and exports go to the local S3Mock's bucket, which takes any static credentials.
if [[ -z "${S3_ENDPOINT:-}" ]]; then
  export S3_ENDPOINT="http://127.0.0.1:${S3_PORT:-9090}" S3_BUCKET="${S3_BUCKET:-stratus}" S3_FORCE_PATH_STYLE=true
  export S3_ACCESS_KEY_ID="${S3_ACCESS_KEY_ID:-stratus}" S3_SECRET_ACCESS_KEY="${S3_SECRET_ACCESS_KEY:-stratus-secret}"
fi
export STRATUS_CLOUD="${STRATUS_CLOUD:-sim}"
export LOG_PRETTY="${LOG_PRETTY:-true}"

ensure_dependencies
ensure_postgres
ensure_redis
ensure_kafka
ensure_s3

pnpm --silent stratus db create
pnpm --silent stratus migrate

mkdir -p .stratus

# The key that encrypts linked accounts' credentials (ingestion) and webhook signing secrets
# (audit). It is made once and kept: a new key would leave every secret already stored unreadable.
if [[ -z "${CREDENTIALS_KEYS:-}" ]]; then
  keys_file="$STRATUS_ROOT/.stratus/credentials-keys"
  if [[ ! -s "$keys_file" ]]; then
    (umask 077 && pnpm --silent stratus credentials generate-key >"$keys_file.tmp")
    mv "$keys_file.tmp" "$keys_file"
  fi
  CREDENTIALS_KEYS="$(cat "$keys_file")"
  export CREDENTIALS_KEYS
fi

# The key that signs the audit chain's checkpoints (the audit service's AUDIT_SIGNING_KEY), made
# once and kept: checkpoints signed with a lost key can no longer be checked.
if [[ -z "${AUDIT_SIGNING_KEY:-}" ]]; then
  audit_key_file="$STRATUS_ROOT/.stratus/audit-signing-key"
  if [[ ! -s "$audit_key_file" ]]; then
    (umask 077 && pnpm --silent stratus audit generate-key | sed -n 's/^AUDIT_SIGNING_KEY=//p' >"$audit_key_file.tmp")
    mv "$audit_key_file.tmp" "$audit_key_file"
  fi
  AUDIT_SIGNING_KEY="$(cat "$audit_key_file")"
  export AUDIT_SIGNING_KEY
fi

# A demo organisation and its admin token, made once and kept out of git; a stale token (the
# database was recreated) is replaced.
token_file="$STRATUS_ROOT/.stratus/demo-token"
pnpm --silent stratus bootstrap --org "Demo" --email "admin@demo.stratus.local" --name "Demo Admin" \
  --token-file "$token_file" --existing-ok
export STRATUS_DEMO_TOKEN_FILE="$token_file"

# The demo admin's console password, made once and kept out of git (set again on every run, so a
# recreated database gets it too).
password_file="$STRATUS_ROOT/.stratus/demo-password"
if [[ ! -s "$password_file" ]]; then
  (umask 077 && node -e 'process.stdout.write(require("node:crypto").randomBytes(12).toString("base64url") + "\n")' >"$password_file.tmp")
  mv "$password_file.tmp" "$password_file"
fi
pnpm --silent stratus users set-password --email "admin@demo.stratus.local" --password-file "$password_file" >/dev/null
export STRATUS_DEMO_PASSWORD_FILE="$password_file"

# The web console's build, remade when a source is newer than it (until its package exists, the
# console answers 503 saying how to build it).
web="$STRATUS_ROOT/services/console/web"
if [[ -f "$web/package.json" ]]; then
  if [[ ! -f "$web/dist/index.html" ]] || [[ -n "$(find "$web/src" "$web/index.html" "$web/package.json" -newer "$web/dist/index.html" -print -quit 2>/dev/null)" ]]; then
    echo "building the web console (pnpm --filter @stratus/console-web build)..."
    pnpm --silent --filter @stratus/console-web build
  fi
fi

exec node scripts/dev/launch.ts
