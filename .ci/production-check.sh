#!/usr/bin/env bash
# The production install, as the Dockerfile makes it: a virtualenv from requirements.txt alone (no
# test tools that could bring a missing dependency in by accident), `pip check`, migrations on
# PostgreSQL, then gunicorn, a Celery worker and beat against PostgreSQL and Redis. It proves that
# a task queued by a request runs through the broker (an invite's e-mail reaches the worker's
# console mail backend) and that beat fires a scheduled job.
#
#   bash .ci/production-check.sh        (needs PostgreSQL on 127.0.0.1:5432 and Redis on :6379)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
VENV=${PROD_VENV:-.venv-prod}
DB=timekeep_prodcheck
PORT=${PROD_CHECK_PORT:-8765}
WORK=$(mktemp -d)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

say() { printf -- '--- %s\n' "$*"; }
fail() {
  echo "production check failed: $*" >&2
  for log in "$WORK"/*.log; do echo "=== $log" >&2; tail -n 40 "$log" >&2; done
  exit 1
}

say "virtualenv from requirements.txt only"
if [ ! -x "$VENV/bin/python" ] || [ requirements.txt -nt "$VENV/.installed" ]; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip
  "$VENV/bin/pip" install --quiet -r requirements.txt
  touch "$VENV/.installed"
fi
"$VENV/bin/pip" check

export DJANGO_ENV=production
SECRET_KEY="$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export REDIS_URL=redis://127.0.0.1:6379/13
export SECURE_SSL_REDIRECT=0 COOKIE_SECURE=0
export EMAIL_URL=consolemail://
export MEDIA_ROOT="$WORK/media"
PY="$VENV/bin/python"

say "fresh database and broker"
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
redis-cli -n 13 flushdb >/dev/null
$PY manage.py migrate --noinput >/dev/null
$PY manage.py collectstatic --noinput >/dev/null

say "gunicorn, worker and beat"
"$VENV/bin/gunicorn" config.wsgi --bind "127.0.0.1:$PORT" --workers 2 >"$WORK/gunicorn.log" 2>&1 &
PIDS+=($!)
"$VENV/bin/celery" -A config worker --loglevel=INFO --concurrency=1 >"$WORK/worker.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 60); do
  grep -q "ready\." "$WORK/worker.log" 2>/dev/null && break
  kill -0 "${PIDS[1]}" 2>/dev/null || fail "the Celery worker exited"
  sleep 1
done
grep -q "ready\." "$WORK/worker.log" || fail "the Celery worker did not become ready"
for _ in $(seq 30); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 1; done
curl -fsS "http://127.0.0.1:$PORT/ready" >/dev/null || fail "/ready does not answer 200"

say "a request queues an e-mail; the worker sends it"
$PY - "$PORT" <<'PY' || fail "the invite flow over HTTP"
import json
import sys
import urllib.request

base = f"http://127.0.0.1:{sys.argv[1]}/api/v1"


def call(method, path, body=None, token=None):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body else None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read() or b"null")


_, owner = call("POST", "/auth/register/", {"email": "owner@example.com", "password": "a-Long-pass-91"})
_, guest = call("POST", "/auth/register/", {"email": "guest@example.com", "password": "a-Long-pass-91"})
status, _ = call("PATCH", "/settings/", {"notification_preferences": {"email": True}}, guest["access_token"])
assert status == 200, status
_, group = call("POST", "/groups/", {"name": "Night shift"}, owner["access_token"])
status, _ = call("POST", f"/groups/{group['id']}/invite/", {"email": "guest@example.com"}, owner["access_token"])
assert status == 201, status
PY
for _ in $(seq 30); do
  grep -q "To: guest@example.com" "$WORK/worker.log" && break
  sleep 1
done
grep -q "To: guest@example.com" "$WORK/worker.log" || fail "the invite e-mail did not reach the worker's mail backend"
echo "the worker sent the invite e-mail"

say "beat fires a scheduled job"
$PY manage.py shell -c "
from django_celery_beat.models import IntervalSchedule, PeriodicTask
every, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
PeriodicTask.objects.update_or_create(name='production check', defaults={'task': 'audit.tasks.purge_audit_log_task', 'interval': every})
"
"$VENV/bin/celery" -A config beat --loglevel=INFO --schedule="$WORK/beat-schedule" >"$WORK/beat.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 40); do
  grep -q "purge_audit_log_task.*succeeded" "$WORK/worker.log" && break
  sleep 1
done
grep -q "purge_audit_log_task.*succeeded" "$WORK/worker.log" || fail "beat's job did not run on the worker"
echo "beat's scheduled job ran on the worker"
say "production install works"
