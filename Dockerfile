# syntax=docker/dockerfile:1
# One image for every process: web (gunicorn), worker, beat, migrate. See deploy/entrypoint.sh.

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /venv
COPY requirements.txt /tmp/requirements.txt
RUN /venv/bin/pip install -r /tmp/requirements.txt

FROM python:3.11-slim-bookworm
ENV PATH="/venv/bin:$PATH" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_ENV=production \
    PORT=8000
RUN groupadd --system app && useradd --system --gid app --home /app app
COPY --from=build /venv /venv
WORKDIR /app
COPY --chown=app:app . /app
# Static files are collected at build time; WhiteNoise serves them. The throw-away values only
# let settings load: the real secrets arrive at run time.
RUN SECRET_KEY=build-only-build-only-build-only-build-only-build-only \
    ALLOWED_HOSTS=localhost REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput \
 && chmod +x deploy/entrypoint.sh
USER app
# `web` serves with deploy/gunicorn.conf.py: workers and timeouts from the environment, request
# limits (line, header count and size) fixed there; README "Behind a reverse proxy".
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
  CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ.get(\"PORT\",\"8000\")}/healthz', timeout=2)"
ENTRYPOINT ["deploy/entrypoint.sh"]
CMD ["web"]
