"""Gunicorn settings for every way the project is served (deploy/entrypoint.sh, `make gunicorn`,
CI's gates): `gunicorn -c deploy/gunicorn.conf.py config.wsgi`. The environment overrides the
process settings; the request limits are fixed here on purpose.

Gunicorn refuses a request that breaks these limits (or carries a control character in a header)
itself, with a short HTML page, before Django could answer in JSON. So the reverse proxy in front
enforces tighter limits and answers JSON (README, "Behind a reverse proxy"); these are the
backstop, each a little above the proxy's."""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104 - a container listens on all interfaces
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")

# The request line (method, path and query string): the longest URL the API documents is far
# shorter; 8190 is gunicorn's maximum.
limit_request_line = 8190
# Header count: browsers send about 20.
limit_request_fields = 64
# One header line, cookies included (two JWT cookies and the CSRF cookie fit in about 2 KB).
limit_request_field_size = 8190
