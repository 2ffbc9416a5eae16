#!/usr/bin/env bash
# Schemathesis gate: the published schema against the running API, on PostgreSQL + Redis under
# gunicorn (deploy/gunicorn.conf.py), as a USER and as an ADMIN. Fails on any server error, any
# response that breaks the schema and any status code the schema does not document.
#
#   bash .ci/schemathesis.sh            (PostgreSQL on 127.0.0.1:5432, Redis on :6379)
#   ST_EXAMPLES=20 bash .ci/schemathesis.sh
#   ST_PORT=8799 ST_DATABASE=timekeep_st_mine ST_REDIS_DB=14 bash .ci/schemathesis.sh   (beside another run)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
ST_VENV=${ST_VENV:-.venv-schemathesis}
DB=${ST_DATABASE:-timekeep_schemathesis}
REDIS_DB=${ST_REDIS_DB:-12}
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
export REDIS_URL=redis://127.0.0.1:6379/$REDIS_DB
export DJANGO_ENV=development DEBUG=0 EMAIL_URL=dummymail:// MEDIA_ROOT="$WORK/media"
export HOST=127.0.0.1 PORT WEB_CONCURRENCY=2 GUNICORN_ACCESS_LOG=
# The generated requests must reach the views, not the abuse limits.
for limit in LOGIN_IP LOGIN_ACCOUNT REGISTER_IP REFRESH_IP REFRESH_ACCOUNT PASSWORD_RESET_IP \
  PASSWORD_RESET_ACCOUNT VERIFY_EMAIL_IP VERIFY_EMAIL_ACCOUNT MFA_IP MFA_ACCOUNT; do
  export "RATE_LIMIT_$limit=off"
done
export API_RATE_LIMIT_ANON=off API_RATE_LIMIT_USER=off
PY=.venv/bin/python

psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" >/dev/null
redis-cli -n "$REDIS_DB" flushdb >/dev/null
$PY manage.py migrate --noinput >/dev/null
TOKENS=$($PY manage.py shell --no-imports -c "
from accounts.models import Role, User
from accounts.tokens import issue_token_pair
user = User.objects.create_user(email='st-user@example.com', password='a-Long-pass-91')
admin = User.objects.create_user(email='st-admin@example.com', password='a-Long-pass-91', role=Role.ADMIN)
print(*(issue_token_pair(who).access for who in (user, admin, user, admin)))
")
read -r USER_TOKEN ADMIN_TOKEN USER_TOKEN_2 ADMIN_TOKEN_2 <<<"$TOKENS"

if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
  echo "port $PORT is taken (another run?): set ST_PORT" >&2
  exit 1
fi
.venv/bin/gunicorn -c deploy/gunicorn.conf.py config.wsgi >"$WORK/gunicorn.log" 2>&1 &
GUNICORN_PID=$!
for _ in $(seq 30); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 1; done
if ! kill -0 "$GUNICORN_PID" 2>/dev/null; then
  echo "gunicorn did not start" >&2
  cat "$WORK/gunicorn.log" >&2
  exit 1
fi

# One worker: Hypothesis parses lambdas' source with ast in each worker thread, and Python 3.11's
# parser is not safe across threads ("AST constructor recursion depth mismatch" errors).
st_run() {
  local token=$1
  shift
  "$ST_VENV/bin/st" run "http://127.0.0.1:$PORT/api/v1/schema/?format=json" \
    --url "http://127.0.0.1:$PORT" \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance \
    --max-examples "$EXAMPLES" --workers 1 --request-timeout 10 --no-color \
    -H "Authorization: Bearer $token" "$@"
}

# Logging out (with any refresh token) and revoke-all end the access token of the run: everything
# after them would be a 401, so each principal's run leaves them out and then runs them alone, on a
# token of their own. The USER goes first: the ADMIN's run may demote or deactivate that account.
ENDING='^auth_(logout|revoke_all)$'
status=0
for who in USER ADMIN; do
  token_var="${who}_TOKEN"
  echo "--- schemathesis as $who ($EXAMPLES examples per operation)"
  st_run "${!token_var}" --exclude-operation-id-regex "$ENDING" || status=1
  token_var="${who}_TOKEN_2"
  echo "--- schemathesis as $who: logout and revoke-all"
  st_run "${!token_var}" --include-operation-id-regex "$ENDING" || status=1
done
if [ "$status" -ne 0 ]; then
  echo "=== gunicorn log (tail)"; tail -n 60 "$WORK/gunicorn.log"
fi
exit "$status"
