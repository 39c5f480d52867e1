#!/usr/bin/env bash
# Runs a benchmark against the real PostgreSQL, Kafka and S3-compatible server (started here when
# they are not running) and prints its figures beside a baseline measured in the same run. Each
# benchmark creates and drops its own database, topics and bucket, is bounded in size and time, and
# stops by itself.
#   scripts/bench.sh            lists the benchmarks
#   scripts/bench.sh sync       discovery: a 100k-resource sim account vs COPY / INSERT
#   scripts/bench.sh focus-csv  the FOCUS CSV reader on a 1M-row file vs csv-parse alone
#   scripts/bench.sh archive    a month of 5M cost lines archived to Parquet in the bucket vs COPY TO
#   scripts/bench.sh inventory  the console's inventory of 100k resources in Chromium vs its API calls
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/toolchain.sh"
source "$STRATUS_ROOT/scripts/lib/services.sh"
cd "$STRATUS_ROOT"

mapfile -t benches < <(ls services/*/bench/*.bench.ts packages/*/src/*/*.bench.ts 2>/dev/null)
name="${1:-}"
if [ -z "$name" ]; then
  echo "usage: scripts/bench.sh <name>; available:" >&2
  for file in "${benches[@]}"; do echo "  $(basename "$file" .bench.ts)   ($file)" >&2; done
  exit 2
fi
file=""
for candidate in "${benches[@]}"; do
  [ "$(basename "$candidate" .bench.ts)" = "$name" ] && file="$candidate"
done
[ -n "$file" ] || stratus_die "no benchmark named $name (run scripts/bench.sh to list them)"

ensure_dependencies
ensure_postgres
ensure_kafka
ensure_s3
# The console's benchmarks measure what a person sees, in Chromium.
case "$file" in services/console/*) ensure_chromium ;; esac
# Ten minutes bound every run; a larger size (a 5M-row import) may ask for more.
exec timeout "${BENCH_TIMEOUT_SECONDS:-600}" node "$file"
