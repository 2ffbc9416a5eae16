"""Faults, as an operator meets them: the project under gunicorn on a PostgreSQL and a Redis of
its own (free ports, never the shared servers), which the tests stop, freeze and restart.

* PostgreSQL stopped: /ready is 503 within 5 s, API calls answer a JSON 503 with Retry-After
  (never a 500, never HTML), and everything answers again within 30 s of the restart.
* Redis stopped, then frozen: sign-in fails closed (503), reads keep working, no request waits
  more than about 2 s, and the e-mail an invite queued is delivered once Redis is back.
* A gunicorn worker SIGKILLed under a bounded write load: every 201 has its row and every row a
  201 (or a request whose connection the kill cut, so its client cannot know).

Runs in the PostgreSQL pass (marker `postgres`); about a minute."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from config.testing_servers import PostgresServer, RedisServer, free_port

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-Long-pass-91"
SLOW = 2.5  # "about 2 s": one second of broker or cache timeout plus the request itself
BREAKER_SECONDS = 5  # the default CACHE_BREAKER_SECONDS, as the 503's Retry-After says


class Stack:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.postgres = PostgresServer(workdir / "pg")
        self.redis = RedisServer(workdir / "redis")
        self.port = free_port()
        self.gunicorn: subprocess.Popen | None = None
        self.env: dict[str, str] = {}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Stack:
        self.postgres.init().start()
        database_url = self.postgres.createdb("timekeep")
        self.redis.start()
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "REDIS_URL", "TEST_DATABASE_NAME", "DJANGO_SETTINGS_MODULE"}
        }
        self.env.update(
            DATABASE_URL=database_url,
            REDIS_URL=self.redis.url,
            DJANGO_ENV="development",
            DEBUG="0",
            EMAIL_URL="consolemail://",
            MEDIA_ROOT=str(self.workdir / "media"),
            HOST="127.0.0.1",
            PORT=str(self.port),
            WEB_CONCURRENCY="2",
            GUNICORN_TIMEOUT="20",
            GUNICORN_ACCESS_LOG="",
            RATE_LIMIT_REGISTER_IP="1000/h",
            RATE_LIMIT_LOGIN_IP="1000/m",
            RATE_LIMIT_LOGIN_ACCOUNT="1000/m",
            API_RATE_LIMIT_USER="100000/minute",
            DATABASE_CONN_MAX_AGE="0",
            OUTBOX_RETRY_SECONDS="1",
            CACHE_BREAKER_SECONDS=str(BREAKER_SECONDS),
        )
        self.manage("migrate", "--noinput")
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        with open(self.workdir / "gunicorn.log", "wb") as log:
            self.gunicorn = subprocess.Popen(
                [gunicorn, "-c", "deploy/gunicorn.conf.py", "config.wsgi"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            self.wait_until(lambda: self.call("GET", "/healthz")[0] == 200, 30, "gunicorn")
        except AssertionError:
            raise AssertionError((self.workdir / "gunicorn.log").read_text()[-3000:]) from None
        return self

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def stop(self) -> None:
        if self.gunicorn and self.gunicorn.poll() is None:
            self.gunicorn.terminate()
            try:
                self.gunicorn.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.gunicorn.kill()
        self.redis.stop()
        self.postgres.stop("immediate")

    def workers(self) -> list[int]:
        found = subprocess.run(["pgrep", "-P", str(self.gunicorn.pid)], capture_output=True, text=True)
        return [int(pid) for pid in found.stdout.split()]

    def call(self, method: str, path: str, body=None, token: str | None = None, timeout: float = 10):
        """(status, headers, parsed JSON or raw text, seconds); status None when the connection failed."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, method=method, data=data)  # noqa: S310 - our own server
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                status, headers, raw = response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            status, headers, raw = error.code, dict(error.headers), error.read()
        except OSError:
            return None, {}, None, time.monotonic() - started
        elapsed = time.monotonic() - started
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return status, headers, parsed, elapsed

    @staticmethod
    def wait_until(check, seconds: float, what: str) -> float:
        started = time.monotonic()
        while not check():
            if time.monotonic() - started > seconds:
                raise AssertionError(f"{what} not within {seconds} s")
            time.sleep(0.2)
        return time.monotonic() - started

    def register(self, email: str) -> str:
        status, _, body, _ = self.call("POST", "/api/v1/auth/register/", {"email": email, "password": PASSWORD})
        assert status == 201, body
        return body["access_token"]


@pytest.fixture(scope="module")
def stack():
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is missing")
    workdir = Path(tempfile.mkdtemp(prefix="timekeep-faults-"))
    os.chmod(workdir, 0o755)  # noqa: S103 - PostgreSQL's own user must reach its folder inside
    running = Stack(workdir)
    try:
        yield running.start()
    finally:
        running.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _json_error(response, status: int) -> None:
    code, headers, body, _ = response
    assert code == status, (code, body)
    assert headers.get("Content-Type", "").startswith("application/json"), headers
    assert isinstance(body, dict) and set(body["error"]) >= {"code", "message", "fields"}, body


def test_postgresql_stopped_is_a_json_503_and_recovers(stack):
    token = stack.register("pg-outage@example.com")
    assert stack.call("GET", "/api/v1/time-entries/", token=token)[0] == 200

    stack.postgres.stop("fast")
    try:
        assert stack.wait_until(lambda: stack.call("GET", "/ready", timeout=5)[0] == 503, 5, "/ready 503") <= 5
        ready = stack.call("GET", "/ready")
        assert ready[1].get("Retry-After") == "5"
        entry = {"start_utc": "2025-01-06T09:00:00Z", "end_utc": "2025-01-06T10:00:00Z"}
        calls = [
            ("GET", "/api/v1/time-entries/", None, token),
            ("POST", "/api/v1/time-entries/", entry, token),
            ("POST", "/api/v1/auth/login/", {"email": "pg-outage@example.com", "password": PASSWORD}, None),
            ("GET", "/api/v1/groups/", None, token),
        ]
        for method, path, body, bearer in calls:
            response = stack.call(method, path, body, bearer)
            _json_error(response, 503)
            assert response[1].get("Retry-After"), (path, response[1])
        # What needs no database (the signed-in user comes from the cache) may still answer.
        me = stack.call("GET", "/api/v1/auth/me/", token=token)
        if me[0] != 200:
            _json_error(me, 503)
    finally:
        stack.postgres.start()
    recovered = stack.wait_until(
        lambda: (
            stack.call("GET", "/ready")[0] == 200 and stack.call("GET", "/api/v1/time-entries/", token=token)[0] == 200
        ),
        30,
        "recovery",
    )
    assert recovered <= 30


@pytest.mark.parametrize("outage", ["stopped", "frozen"])
def test_redis_outage_closes_sign_in_keeps_reads_and_delivers_queued_work_later(stack, outage):
    owner = stack.register(f"owner-{outage}@example.com")
    guest = stack.register(f"guest-{outage}@example.com")
    assert stack.call("PATCH", "/api/v1/settings/", {"notification_preferences": {"email": True}}, guest)[0] == 200
    # By account: an invite to an address reaches only an account that verified it.
    guest_id = stack.call("GET", "/api/v1/auth/me/", token=guest)[2]["id"]
    status, _, group, _ = stack.call("POST", "/api/v1/groups/", {"name": f"Night shift {outage}"}, owner)
    assert status == 201
    stack.redis.client().delete("celery")

    stack.redis.stop() if outage == "stopped" else stack.redis.freeze()
    try:
        timings = {}
        login = stack.call(
            "POST", "/api/v1/auth/login/", {"email": f"owner-{outage}@example.com", "password": PASSWORD}
        )
        _json_error(login, 503)
        timings["login"] = login[3]
        for path in ("/api/v1/time-entries/", "/api/v1/groups/", f"/api/v1/groups/{group['id']}/", "/api/v1/auth/me/"):
            response = stack.call("GET", path, token=owner)
            assert response[0] == 200, (path, response[2])
            timings[path] = response[3]
        invite = stack.call("POST", f"/api/v1/groups/{group['id']}/invite/", {"user": guest_id}, owner)
        assert invite[0] == 201, invite[2]
        timings["invite"] = invite[3]
        assert max(timings.values()) < SLOW, timings
    finally:
        stack.redis.start() if outage == "stopped" else stack.redis.thaw()
        returned = time.monotonic()

    # Each worker's cache breaker fails every cache call for CACHE_BREAKER_SECONDS after the last
    # failure, so sign-in reopens within that (and Retry-After) of Redis returning, not at once.
    credentials = {"email": f"owner-{outage}@example.com", "password": PASSWORD}
    stack.wait_until(
        lambda: stack.call("POST", "/api/v1/auth/login/", credentials)[0] == 200,
        BREAKER_SECONDS + 3,
        "sign-in after Redis returned",
    )
    # The breakers are per worker: the one that answered may have closed first. By
    # CACHE_BREAKER_SECONDS after Redis returned every worker's has (the next case needs them all).
    time.sleep(max(0.0, returned + BREAKER_SECONDS + 0.5 - time.monotonic()))
    time.sleep(1.5)  # the first retry is due OUTBOX_RETRY_SECONDS after the failed publish
    stack.manage("outbox_drain")
    queued = [json.loads(raw)["headers"]["task"] for raw in stack.redis.client().lrange("celery", 0, -1)]
    assert queued == ["accounts.tasks.send_notification_emails_task"]


def test_a_worker_killed_under_write_load_loses_no_confirmed_write(stack):
    token = stack.register("load@example.com")
    base = datetime(2024, 1, 1, tzinfo=UTC)
    counter = itertools.count()
    outcomes: dict[str, int | None] = {}
    lock = threading.Lock()
    deadline = time.monotonic() + 6

    def writer() -> None:
        while time.monotonic() < deadline:
            n = next(counter)
            start = base + timedelta(hours=n)
            body = {
                "start_utc": start.isoformat(),
                "end_utc": (start + timedelta(minutes=30)).isoformat(),
                "notes": f"req-{n}",
            }
            status = stack.call("POST", "/api/v1/time-entries/", body, token, timeout=15)[0]
            with lock:
                outcomes[f"req-{n}"] = status

    def killer() -> None:
        time.sleep(2)
        workers = stack.workers()
        assert workers, "no gunicorn worker to kill"
        os.kill(workers[0], signal.SIGKILL)

    with ThreadPoolExecutor(max_workers=5) as pool:
        futures = [pool.submit(writer) for _ in range(4)] + [pool.submit(killer)]
        for future in futures:
            future.result()

    confirmed = {tag for tag, status in outcomes.items() if status == 201}
    unknown = {tag for tag, status in outcomes.items() if status is None or status >= 500}
    refused = {tag: status for tag, status in outcomes.items() if status is not None and status != 201 and status < 500}
    assert not refused, refused
    assert len(confirmed) > 20, outcomes
    stored = set()
    page = 1
    while True:
        status, _, body, _ = stack.call("GET", f"/api/v1/time-entries/?page_size=200&page={page}", token=token)
        assert status == 200
        stored |= {entry["notes"] for entry in body["results"]}
        if not body["next"]:
            break
        page += 1
    assert confirmed <= stored, sorted(confirmed - stored)
    assert stored - confirmed <= unknown, sorted(stored - confirmed - unknown)
