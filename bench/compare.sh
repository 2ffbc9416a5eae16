#!/usr/bin/env bash
# The project side by side with three yardsticks on the same data, in one run:
#
#   ours          gunicorn -c deploy/gunicorn.conf.py config.wsgi (production profile, PostgreSQL + Redis)
#   fastapi       bench/peers/fastapi_peer.py  (FastAPI + SQLAlchemy 2 ORM + pydantic v2, uvicorn)
#   floor         bench/peers/floor.py         (bare ASGI: PyJWT + one psycopg pool query + orjson, uvicorn)
#   django_floor  bench/peers/django_floor.py  (no middleware, no DRF, one raw query + orjson, gunicorn)
#
# Every server gets the same number of worker processes. First each one's saturation point for
# the week listing is found (the connection count past which req/s stops rising); all targets
# are then measured at the largest of those, so p99s compare at one connection count. Then the
# rounds, interleaved (ours fastapi floor django_floor, ours fastapi ..., plus ours' other
# scenarios inside each round), and the medians and ratios. Absolute numbers drift on a shared
# machine; the ratios of one run are the figures that count. See bench/README.md.
#
#   bash bench/compare.sh                         # 3 rounds of 20 s
#   BENCH_ROUNDS=1 BENCH_SECONDS=10 bash bench/compare.sh
#   BENCH_BEFORE=/path/to/older/checkout bash bench/compare.sh   # that checkout as target "before"
set -euo pipefail
cd "$(dirname "$0")/.."

export BENCH_DIR="$PWD/bench" BENCH_RESULTS="$PWD/bench/results"
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/timekeep_bench}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/5}"
export DJANGO_ENV=production ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=0 LOG_LEVEL=WARNING
export SECRET_KEY="${SECRET_KEY:-$(head -c 48 /dev/urandom | base64 | tr -d '\n')}"
export JWT_SECRET_KEY="$SECRET_KEY"
export API_RATE_LIMIT_USER=off API_RATE_LIMIT_ANON=off ACCESS_TOKEN_MIN=240
ROUNDS="${BENCH_ROUNDS:-3}"
SECONDS_EACH="${BENCH_SECONDS:-20}"
WORKERS="${BENCH_WORKERS:-4}"
WORKER_CLASS="${BENCH_WORKER_CLASS:-sync}"
export BENCH_THREADS="${BENCH_THREADS:-4}"
PROBE="${BENCH_PROBE_CONNECTIONS:-16 32 64 128}"
PROBE_SECONDS="${BENCH_PROBE_SECONDS:-5}"
SESSION_CONNECTIONS="${BENCH_SESSION_CONNECTIONS:-8}"
# Writes queue behind their row locks: past a few connections per worker more only adds latency.
WRITE_CONNECTIONS="${BENCH_WRITE_CONNECTIONS:-16}"
PY=.venv/bin/python
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
mkdir -p "$BENCH_RESULTS"
OUT="$BENCH_RESULTS/compare.txt"
: > "$OUT"

if [ "${BENCH_SKIP_INSTALL:-0}" != 1 ]; then
  .venv/bin/pip install -q -r bench/requirements.txt
fi

db_name="${DATABASE_URL##*/}"
server_url="${DATABASE_URL%/*}/postgres"
if ! psql "$server_url" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db_name'" | grep -q 1; then
  psql "$server_url" -qc "CREATE DATABASE \"$db_name\""
fi
$PY bench/load_data.py ${BENCH_LOAD_ARGS:-}
$PY bench/prepare_clients.py --out "$BENCH_RESULTS" --clients "${BENCH_CLIENTS:-200}"

declare -A PORT=([ours]=8011 [fastapi]=8012 [floor]=8013 [django_floor]=8014 [before]=8015)
TARGETS=(ours fastapi floor django_floor)
[ -n "${BENCH_BEFORE:-}" ] && TARGETS+=(before)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

gunicorn_args=(--workers "$WORKERS" --worker-class "$WORKER_CLASS" --access-logfile /dev/null --log-level warning)
uvicorn_args=(--workers "$WORKERS" --loop uvloop --http httptools --no-access-log --log-level warning
  --app-dir bench/peers --host 127.0.0.1)
# Ours with its production settings file (preloaded app, request limits); the command line's
# worker count and class override the file's, so every server runs the same number of workers.
.venv/bin/gunicorn config.wsgi -c deploy/gunicorn.conf.py "${gunicorn_args[@]}" --bind "127.0.0.1:${PORT[ours]}" \
  --error-logfile "$BENCH_RESULTS/ours.log" --pid "$BENCH_RESULTS/ours.pid" & pids+=($!)
.venv/bin/uvicorn fastapi_peer:app "${uvicorn_args[@]}" --port "${PORT[fastapi]}" \
  > "$BENCH_RESULTS/fastapi.log" 2>&1 & pids+=($!)
.venv/bin/uvicorn floor:app "${uvicorn_args[@]}" --port "${PORT[floor]}" > "$BENCH_RESULTS/floor.log" 2>&1 & pids+=($!)
.venv/bin/gunicorn django_floor:application --chdir bench/peers "${gunicorn_args[@]}" \
  --bind "127.0.0.1:${PORT[django_floor]}" --error-logfile "$BENCH_RESULTS/django_floor.log" & pids+=($!)
if [ -n "${BENCH_BEFORE:-}" ]; then  # an older checkout of the project, served the same way
  "$PWD/.venv/bin/gunicorn" config.wsgi --chdir "$BENCH_BEFORE" "${gunicorn_args[@]}" --bind "127.0.0.1:${PORT[before]}" \
    --error-logfile "$BENCH_RESULTS/before.log" --pid "$BENCH_RESULTS/before.pid" & pids+=($!)
fi

week="/api/v1/time-entries/?from=2025-03-03T00:00:00Z&to=2025-03-10T00:00:00Z&page_size=50"
token="$(head -1 "$BENCH_RESULTS/tokens.txt")"
for target in "${TARGETS[@]}"; do
  for _ in $(seq 100); do
    curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:${PORT[$target]}$week" >/dev/null && break
    sleep 0.2
  done
  curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:${PORT[$target]}$week" >/dev/null \
    || { echo "$target does not answer the listing" >&2; exit 1; }
done

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }

wrk_run() {  # target scenario-script connections seconds -> RESULT fields
  local threads="$BENCH_THREADS"
  [ "$3" -lt "$threads" ] && threads="$3"
  wrk -t"$threads" -c"$3" -d"${4}s" --timeout 10s --latency -s "bench/wrk/$2" "http://127.0.0.1:${PORT[$1]}" \
    | grep '^RESULT' | cut -d' ' -f2-
}

echo "== saturation: list_week req/s by connection count (${PROBE_SECONDS} s each)"
CONNECTIONS=0
for target in "${TARGETS[@]}"; do
  wrk_run "$target" list_week.lua 16 3 >/dev/null  # warm-up
  best=0; line="$target"
  declare -A got=()
  for c in $PROBE; do
    rps="$(wrk_run "$target" list_week.lua "$c" "$PROBE_SECONDS" | field rps)"
    got[$c]="$rps"; line="$line c$c=$rps"
    best="$(awk -v a="$best" -v b="$rps" 'BEGIN {print (b > a ? b : a)}')"
  done
  for c in $PROBE; do  # the first count within 3 % of the best is where it saturates
    if awk -v r="${got[$c]}" -v b="$best" 'BEGIN {exit !(r >= 0.97 * b)}'; then sat="$c"; break; fi
  done
  echo "$line -> saturates at $sat"
  [ "$sat" -gt "$CONNECTIONS" ] && CONNECTIONS="$sat"
  unset got
done
CONNECTIONS="${BENCH_CONNECTIONS:-$CONNECTIONS}"
echo "== $ROUNDS interleaved rounds of ${SECONDS_EACH} s at $CONNECTIONS connections (creates $WRITE_CONNECTIONS," \
  "session commands $SESSION_CONNECTIONS; $WORKERS workers each; ours: gunicorn $WORKER_CLASS)"

record() {  # round target scenario result
  echo "round=$1 target=$2 scenario=$3 $4" | tee -a "$OUT"
}
for round in $(seq "$ROUNDS"); do
  for target in "${TARGETS[@]}"; do
    record "$round" "$target" list_week "$(wrk_run "$target" list_week.lua "$CONNECTIONS" "$SECONDS_EACH")"
  done
  record "$round" ours healthz "$(BENCH_PATH=/healthz wrk_run ours reference.lua "$CONNECTIONS" "$SECONDS_EACH")"
  record "$round" ours auth_me "$(BENCH_PATH=/api/v1/auth/me/ wrk_run ours reference.lua "$CONNECTIONS" "$SECONDS_EACH")"
  record "$round" ours create_entry \
    "$(BENCH_DAY_OFFSET=$((round * 2)) wrk_run ours create_entry.lua "$WRITE_CONNECTIONS" "$SECONDS_EACH")"
  record "$round" ours session_start_stop \
    "$(BENCH_SESSION_SKIP=$(((round - 1) * 30)) BENCH_THREADS=$SESSION_CONNECTIONS wrk_run ours session_start_stop.lua "$SESSION_CONNECTIONS" "$SECONDS_EACH")"
  $PY bench/prepare_clients.py --stop-running  # the runs' last starts, so the next round's are not 409s
done

rss="$(ps -o rss= --ppid "$(cat "$BENCH_RESULTS/ours.pid")" | awk '{m = ($1 > m ? $1 : m)} END {printf "%.0f MB", m / 1024}')"
if [ -n "${BENCH_BEFORE:-}" ]; then  # the older checkout's largest worker, for comparison
  rss="$rss (before: $(ps -o rss= --ppid "$(cat "$BENCH_RESULTS/before.pid")" | awk '{m = ($1 > m ? $1 : m)} END {printf "%.0f MB", m / 1024}'))"
fi
echo "== medians over $ROUNDS rounds (req/s, p50 ms, p99 ms, non-2xx) at $CONNECTIONS connections"
$PY - "$OUT" "$rss" "$CONNECTIONS" <<'EOF'
import statistics
import sys

rows = {}
for line in open(sys.argv[1]):
    fields = dict(part.split("=", 1) for part in line.split())
    rows.setdefault((fields["target"], fields["scenario"]), []).append(fields)


def median(key, name):
    return statistics.median(float(r[name]) for r in rows[key])


for key in rows:
    errors = sum(int(r["non_2xx"]) + int(r["socket_errors"]) for r in rows[key])
    print(f"{key[0]:>12} {key[1]:<19} {median(key, 'rps'):8.1f} req/s  p50 {median(key, 'p50_ms'):6.1f}  "
          f"p99 {median(key, 'p99_ms'):6.1f}  errors {errors}")
ours = median(("ours", "list_week"), "rps")
print("== ratios (medians)")
for peer, goal in (("fastapi", 1.2), ("floor", None), ("django_floor", 0.5), ("before", None)):
    if (peer, "list_week") not in rows:
        continue
    ratio = ours / median((peer, "list_week"), "rps")
    print(f"list_week ours/{peer:<13} {ratio:5.2f}" + (f"   (goal >= {goal})" if goal else ""))
p99_ours, p99_peer = median(("ours", "list_week"), "p99_ms"), median(("fastapi", "list_week"), "p99_ms")
print(f"list_week p99 ours {p99_ours:.1f} ms vs fastapi {p99_peer:.1f} ms at {sys.argv[3]} connections (goal: not worse)")
for scenario, base, goal in (
    ("auth_me", "healthz", 0.6),
    ("create_entry", "list_week", 0.5),
    ("session_start_stop", "list_week", 0.4),
):
    ratio = median(("ours", scenario), "rps") / median(("ours", base), "rps")
    print(f"{scenario}/{base:<19} {ratio:5.2f}   (goal >= {goal})")
print(f"largest worker RSS of ours after all scenarios: {sys.argv[2]} (goal < 100 MB)")
EOF
