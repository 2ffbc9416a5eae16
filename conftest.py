"""Fixtures every app's tests share, and the rules for tests that need real services.

Markers `postgres`, `redis` and `browser` skip a test when that component is absent, so
`make test` passes on a machine with only Python. CI sets REQUIRE_ALL_TESTS=1 for its
PostgreSQL + Redis run: there, any skipped test fails the run.
"""

from __future__ import annotations

import contextlib
import os
import shutil

import pytest
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from accounts.tests.factories import AdminFactory, StaffFactory, UserFactory

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


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
    from accounts.tokens import issue_token_pair

    def make(account) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token_pair(account).access}")
        return client

    return make


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
