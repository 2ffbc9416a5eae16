"""Profile requests in one process, through the whole WSGI handler (middleware included), against
the benchmark database: where a request's Python time goes, without a network in between.

    DATABASE_URL=postgres://.../timekeep_bench REDIS_URL=redis://127.0.0.1:6379/5 \\
      python bench/profile_requests.py --requests 200 --top 15 list_week

Scenarios: list_week (a random week of 2025 for a benchmark user, page_size=50), auth_me,
healthz, create_entry (10-minute entries in March 2026), session_start_stop (one request is a
start and a stop). What the write scenarios make is deleted at the end. Prints the mean time
per request and cProfile's top lines by own time (tottime); PROFILE_DUMP=<file> also writes the
whole profile for pstats.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
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

from config.wsgi import application  # noqa: I001 - what gunicorn serves; it sets Django up first

from django.db import connection

from accounts.models import User
from accounts.tokens import issue_token_pair
from tracking.models import Session, TimeEntry

FIRST_MONDAY = datetime(2025, 1, 6, tzinfo=UTC)
MARCH = (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))  # create_entry writes here


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def request(path: str, query: str, token: str, method: str = "GET", body: bytes = b"") -> int:
    environ = {
        "REQUEST_METHOD": method,
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
    }
    status = []
    answer = b"".join(application(environ, lambda s, h, *a: status.append(s)))
    assert status[0][:3] in {"200", "201"}, (status, answer[:300])
    return len(answer)


def server_cpu() -> float:
    """Seconds of CPU the PostgreSQL backend serving this process has used (0 when it is not on
    this machine or not PostgreSQL)."""
    if connection.vendor != "postgresql":
        return 0.0
    connection.ensure_connection()
    try:
        fields = Path(f"/proc/{connection.connection.info.backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["list_week", "auth_me", "healthz", "session_start_stop", "create_entry"])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()

    TimeEntry.objects.filter(start__gte=MARCH[0], start__lt=MARCH[1]).delete()  # left by a failed run
    rng = random.Random(1)
    users = list(User.objects.filter(email__startswith="bench").order_by("email")[:20])
    tokens = [issue_token_pair(user).access for user in users]
    by_token = dict(zip(tokens, users, strict=True))
    # Planned sessions for session_start_stop (each used once: started, then stopped).
    sessions = {}
    if args.scenario == "session_start_stop":
        for token, user in by_token.items():
            planned = [Session(owner=user, title="profile") for _ in range(args.requests * 2)]
            sessions[token] = iter(Session.objects.bulk_create(planned))
    slots = itertools.count()

    def one() -> None:
        token = rng.choice(tokens)
        if args.scenario == "list_week":
            start = FIRST_MONDAY + timedelta(weeks=rng.randint(0, 48))
            query = f"from={iso(start)}&to={iso(start + timedelta(days=7))}&page_size=50"
            request("/api/v1/time-entries/", query, token)
        elif args.scenario == "auth_me":
            request("/api/v1/auth/me/", "", token)
        elif args.scenario == "session_start_stop":
            session = next(sessions[token]).uuid
            request(f"/api/v1/sessions/{session}/start/", "", token, "POST")
            request(f"/api/v1/sessions/{session}/stop/", "", token, "POST")
        elif args.scenario == "create_entry":
            start = datetime(2026, 3, 2, tzinfo=UTC) + timedelta(minutes=15 * next(slots))
            end = start + timedelta(minutes=10)
            body = f'{{"start_utc":"{iso(start)}","end_utc":"{iso(end)}","project_code":"BENCH01"}}'
            request("/api/v1/time-entries/", "", token, "POST", body.encode())
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
    if os.environ.get("PROFILE_DUMP"):
        profiler.dump_stats(os.environ["PROFILE_DUMP"])
    elapsed = time.perf_counter() - started
    print(f"{args.scenario}: {args.requests} requests, {elapsed * 1000 / args.requests:.2f} ms each (under cProfile)")
    started, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
    for _ in range(args.requests):
        one()
    plain, cpu, server = time.perf_counter() - started, time.process_time() - cpu, server_cpu() - server
    # CPU times leave out the waits and move less than the wall clock when other work shares the
    # machine: this process's, and its PostgreSQL backend's (read from /proc where it is local).
    print(
        f"{args.scenario}: {plain * 1000 / args.requests:.2f} ms each without the profiler "
        f"(CPU: {cpu * 1000 / args.requests:.2f} ms in this process, "
        f"{server * 1000 / args.requests:.2f} ms in its database server process)"
    )
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])
    clean_up()


def clean_up() -> None:
    """What the write scenarios made goes again, so a later run starts from the same data."""
    Session.objects.filter(title="profile").delete()
    TimeEntry.objects.filter(start__gte=MARCH[0], start__lt=MARCH[1]).delete()


if __name__ == "__main__":
    main()
