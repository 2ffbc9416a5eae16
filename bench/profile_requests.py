"""Profile requests in one process, through the whole WSGI handler (middleware included), against
the benchmark database: where a request's Python time goes, without a network in between.

    DATABASE_URL=postgres://.../timekeep_bench REDIS_URL=redis://127.0.0.1:6379/5 \\
      python bench/profile_requests.py --requests 200 --top 15 list_week

Scenarios: list_week (a random week of 2025 for a benchmark user, page_size=50), auth_me,
healthz. Prints the mean time per request and cProfile's top lines by own time (tottime).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_ENV", "production")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECRET_KEY", "profile-only-" + "x" * 50)
os.environ.setdefault("API_RATE_LIMIT_USER", "off")
os.environ.setdefault("API_RATE_LIMIT_ANON", "off")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()

from accounts.models import User  # noqa: E402
from accounts.tokens import issue_token_pair  # noqa: E402

FIRST_MONDAY = datetime(2025, 1, 6, tzinfo=UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def request(path: str, query: str, token: str) -> int:
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    status = []
    body = b"".join(application(environ, lambda s, h, *a: status.append(s)))
    assert status[0].startswith("200"), (status, body[:300])
    return len(body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["list_week", "auth_me", "healthz"])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()

    rng = random.Random(1)
    users = list(User.objects.filter(email__startswith="bench").order_by("email")[:20])
    tokens = [issue_token_pair(user).access for user in users]

    def one() -> None:
        token = rng.choice(tokens)
        if args.scenario == "list_week":
            start = FIRST_MONDAY + timedelta(weeks=rng.randint(0, 48))
            query = f"from={iso(start)}&to={iso(start + timedelta(days=7))}&page_size=50"
            request("/api/v1/time-entries/", query, token)
        elif args.scenario == "auth_me":
            request("/api/v1/auth/me/", "", token)
        else:
            request("/healthz", "", token)

    for _ in range(50):  # warm-up: connections, caches, imports
        one()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(args.requests):
        one()
    profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"{args.scenario}: {args.requests} requests, {elapsed * 1000 / args.requests:.2f} ms each (under cProfile)")
    started = time.perf_counter()
    for _ in range(args.requests):
        one()
    plain = time.perf_counter() - started
    print(f"{args.scenario}: {plain * 1000 / args.requests:.2f} ms each without the profiler")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])


if __name__ == "__main__":
    main()
