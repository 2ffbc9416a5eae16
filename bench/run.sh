#!/usr/bin/env bash
# Load the data set (once), start gunicorn on PostgreSQL + Redis, and measure three scenarios
# with wrk from a second process. Prints one RESULT line per scenario; full wrk output lands in
# bench/results/. See bench/README.md.
#
#   bash bench/run.sh                 # 30 s per scenario against timekeep_bench
#   BENCH_SECONDS=10 bash bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export BENCH_DIR="$PWD/bench" BENCH_RESULTS="$PWD/bench/results"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/timekeep_bench}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/5}"
# The production profile (persistent database connections, no debug), on plain HTTP over
# loopback. The benchmark measures the application, not the per-client throttle; tokens
# outlive the run.
export DJANGO_ENV=production ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=0 LOG_LEVEL=WARNING
export SECRET_KEY="${SECRET_KEY:-$(head -c 48 /dev/urandom | base64 | tr -d '\n')}"
export API_RATE_LIMIT_USER=off API_RATE_LIMIT_ANON=off ACCESS_TOKEN_MIN=240
SECONDS_EACH="${BENCH_SECONDS:-30}"
WORKERS="${BENCH_WORKERS:-4}"
export BENCH_THREADS="${BENCH_THREADS:-4}"
CONNECTIONS="${BENCH_CONNECTIONS:-16}"
PORT="${BENCH_PORT:-8001}"
PY=.venv/bin/python
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }

db_name="${DATABASE_URL##*/}"
server_url="${DATABASE_URL%/*}/postgres"
if ! psql "$server_url" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db_name'" | grep -q 1; then
  psql "$server_url" -qc "CREATE DATABASE \"$db_name\""
fi

$PY bench/load_data.py ${BENCH_LOAD_ARGS:-}
$PY bench/prepare_clients.py --out "$BENCH_RESULTS" --clients "${BENCH_CLIENTS:-200}"
$PY bench/prepare_slots.py --out "$BENCH_RESULTS"

.venv/bin/gunicorn config.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" --access-logfile /dev/null \
  --error-logfile "$BENCH_RESULTS/gunicorn.log" --pid "$BENCH_RESULTS/gunicorn.pid" &
trap 'kill "$(cat "$BENCH_RESULTS/gunicorn.pid")" 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

rss_mb() { ps -o rss= --ppid "$(cat "$BENCH_RESULTS/gunicorn.pid")" | awk '{s += $1; m = ($1 > m ? $1 : m)} END {printf "workers_rss_total_mb=%.0f max_worker_rss_mb=%.0f", s / 1024, m / 1024}'; }

run() {  # name script connections (BENCH_PATH passes through to reference.lua)
  wrk -t"$BENCH_THREADS" -c"$3" -d"${SECONDS_EACH}s" --latency -s "bench/wrk/$2" "http://127.0.0.1:$PORT" \
    > "$BENCH_RESULTS/$1.txt"
  echo "$1 $(grep '^RESULT' "$BENCH_RESULTS/$1.txt" | cut -d' ' -f2-) $(rss_mb)"
}

wrk -t"$BENCH_THREADS" -c"$CONNECTIONS" -d5s -s bench/wrk/list_week.lua "http://127.0.0.1:$PORT" >/dev/null  # warm-up
echo "scenario metrics (gunicorn: $WORKERS sync workers; wrk: $BENCH_THREADS threads)"
run list_week list_week.lua "$CONNECTIONS"
run create_entry create_entry.lua "$CONNECTIONS"
run session_start_stop session_start_stop.lua "$BENCH_THREADS"
run slots_month slots_month.lua "$CONNECTIONS"
export BENCH_PATH=/healthz; run reference_healthz reference.lua "$CONNECTIONS"
export BENCH_PATH=/api/v1/auth/me/; run reference_me reference.lua "$CONNECTIONS"
# Reports and exports, in this process against the same data (see bench/README.md).
$PY bench/reports.py --out "$BENCH_RESULTS"
