#!/usr/bin/env bash
# Runs every test: typecheck, unit tests, and integration tests against the real PostgreSQL, Redis,
# Kafka and S3-compatible server (started here when they are not running). Extra arguments go to
# vitest, e.g.
#   scripts/test.sh packages/events
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/toolchain.sh"
source "$STRATUS_ROOT/scripts/lib/services.sh"
cd "$STRATUS_ROOT"

ensure_dependencies
ensure_postgres
ensure_redis
ensure_kafka
ensure_s3
ensure_chromium

stratus_log "typecheck"
pnpm turbo run typecheck --output-logs=errors-only
pnpm exec tsc -p tsconfig.json

mkdir -p .stratus
results=.stratus/test-results.json
rm -f "$results"
status=0
pnpm vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
# One closing line in the plain form every CI reads, whatever the runner prints above it.
node -e '
  const fs = require("fs");
  if (!fs.existsSync(process.argv[1])) { console.log("0 passed, 1 failed"); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$results"
exit "$status"
