"""Gunicorn settings for every way the project is served (deploy/entrypoint.sh, `make gunicorn`,
CI's gates): `gunicorn -c deploy/gunicorn.conf.py config.wsgi`. The environment overrides the
process settings; the request limits are fixed here on purpose.

Gunicorn refuses a request that breaks these limits (or carries a control character in a header)
itself, with a short HTML page, before Django could answer in JSON. So the reverse proxy in front
enforces tighter limits and answers JSON (README, "Behind a reverse proxy"); these are the
backstop, each a little above the proxy's."""

import gc
import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104 - a container listens on all interfaces
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")

# Import the project once, in the master, and fork the workers from it: they share its pages
# (copy-on-write) instead of each importing everything again. gc.freeze() before each fork moves
# what the import made out of the collector's reach, so a collection in a worker does not write
# to (and so copy) those pages. Measured with 4 sync workers after the benchmark's scenarios: each
# worker's proportional share of memory (PSS) about 49 MB instead of 78, its RSS 86 MB instead of
# 94 (bench/README.md, "RSS"). The application opens no connection at import, so no
# socket is shared across the fork. New code needs a restart of the master (a new container);
# a HUP only replaces the workers.
preload_app = True


def pre_fork(server, worker):
    gc.freeze()


# The request line (method, path and query string): the longest URL the API documents is far
# shorter; 8190 is gunicorn's maximum.
limit_request_line = 8190
# Header count: browsers send about 20.
limit_request_fields = 64
# One header line, cookies included (two JWT cookies and the CSRF cookie fit in about 2 KB).
limit_request_field_size = 8190
