#!/bin/sh
# Container entrypoint: `web` (default), `worker`, `beat`, `migrate`, or any command.
set -e
case "${1:-web}" in
  web)
    # Workers, timeouts and the request limits: deploy/gunicorn.conf.py (PORT, WEB_CONCURRENCY,
    # GUNICORN_TIMEOUT and FORWARDED_ALLOW_IPS are read there).
    exec gunicorn -c deploy/gunicorn.conf.py config.wsgi
    ;;
  worker)
    exec celery -A config worker --loglevel "${LOG_LEVEL:-INFO}" --concurrency "${CELERY_CONCURRENCY:-2}"
    ;;
  beat)
    exec celery -A config beat --loglevel "${LOG_LEVEL:-INFO}" \
      --scheduler django_celery_beat.schedulers:DatabaseScheduler --pidfile=
    ;;
  migrate)
    exec python manage.py migrate --noinput
    ;;
  *)
    exec "$@"
    ;;
esac
