#!/usr/bin/env bash
# Schemathesis gate: the published schema against the running API, on PostgreSQL + Redis under
# gunicorn (deploy/gunicorn.conf.py), as a USER and as an ADMIN. Fails on any server error, any
# response that breaks the schema and any status code the schema does not document.
#
#   bash .ci/schemathesis.sh            (PostgreSQL on 127.0.0.1:5432, Redis on :6379)
#   ST_EXAMPLES=20 bash .ci/schemathesis.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
ST_VENV=${ST_VENV:-.venv-schemathesis}
DB=timekeep_schemathesis
PORT=${ST_PORT:-8766}
EXAMPLES=${ST_EXAMPLES:-10}
WORK=$(mktemp -d)
GUNICORN_PID=

cleanup() {
  [ -n "$GUNICORN_PID" ] && kill "$GUNICORN_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ ! -x "$ST_VENV/bin/st" ] || [ requirements-schemathesis.txt -nt "$ST_VENV/.installed" ]; then
  rm -rf "$ST_VENV"
  "$PYTHON" -m venv "$ST_VENV"
  "$ST_VENV/bin/pip" install --quiet -r requirements-schemathesis.txt
  touch "$ST_VENV/.installed"
fi

export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export REDIS_URL=redis://127.0.0.1:6379/12
export DJANGO_ENV=development DEBUG=0 EMAIL_URL=dummymail:// MEDIA_ROOT="$WORK/media"
export HOST=127.0.0.1 PORT WEB_CONCURRENCY=2 GUNICORN_ACCESS_LOG=
# The generated requests must reach the views, not the abuse limits.
export RATE_LIMIT_LOGIN_IP=off RATE_LIMIT_LOGIN_ACCOUNT=off RATE_LIMIT_REGISTER_IP=off
export RATE_LIMIT_REFRESH_IP=off RATE_LIMIT_REFRESH_ACCOUNT=off API_RATE_LIMIT_ANON=off API_RATE_LIMIT_USER=off
PY=.venv/bin/python

psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
redis-cli -n 12 flushdb >/dev/null
$PY manage.py migrate --noinput >/dev/null
TOKENS=$($PY manage.py shell -c "
from accounts.models import Role, User
from accounts.tokens import issue_token_pair
user = User.objects.create_user(email='st-user@example.com', password='a-Long-pass-91')
admin = User.objects.create_user(email='st-admin@example.com', password='a-Long-pass-91', role=Role.ADMIN)
print(issue_token_pair(user).access, issue_token_pair(admin).access)
")
read -r USER_TOKEN ADMIN_TOKEN <<<"$TOKENS"

.venv/bin/gunicorn -c deploy/gunicorn.conf.py config.wsgi >"$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
for _ in $(seq 30); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 1; done

status=0
for who in USER ADMIN; do
  token_var="${who}_TOKEN"
  echo "--- schemathesis as $who ($EXAMPLES examples per operation)"
  "$ST_VENV/bin/st" run "http://127.0.0.1:$PORT/api/v1/schema/?format=json" \
    --url "http://127.0.0.1:$PORT" \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance \
    --max-examples "$EXAMPLES" --workers 2 --request-timeout 10 --no-color \
    -H "Authorization: Bearer ${!token_var}" || status=1
done
if [ "$status" -ne 0 ]; then
  echo "=== gunicorn log (tail)"; tail -n 60 "$WORK/gunicorn.log"
fi
exit "$status"
