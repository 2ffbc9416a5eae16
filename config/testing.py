"""Helpers the test suites of every app share (imported by tests only)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier
from typing import TypeVar

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

T = TypeVar("T")


def race(calls: Sequence[Callable[[], T]]) -> list[T]:
    """Run the callables at the same moment, one thread each (each thread has its own database
    connection, closed afterwards); return their results in order."""
    barrier = Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        try:
            barrier.wait(timeout=10)
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


class Clock:
    """The time services see (`django.utils.timezone.now`), moved by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def set(self, *args) -> datetime:
        self.now = datetime(*args, tzinfo=UTC)
        return self.now

    def advance(self, **kwargs) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


def freeze_clock(monkeypatch, now: datetime) -> Clock:
    """Make `timezone.now()` answer `now` until the test moves the returned clock."""
    clock = Clock(now)
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


def bearer_client(user) -> APIClient:
    """An API client that sends a real Bearer access token for `user`."""
    from accounts.tokens import issue_token_pair

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token_pair(user).access}")
    return client


def console_sign_in(page, user) -> None:
    """Sign `user` (a factory user, whose password is PASSWORD) in to the staff console in a
    browser test's `page`."""
    from accounts.tests.factories import PASSWORD

    page.goto("/admin/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def statuses(responses) -> list[int]:
    return sorted(response.status_code for response in responses)


# Values that fit no field (or fit by accident): each fuzz suite adds its own domain's.
JUNK_VALUES = [
    None,
    "",
    "x" * 6000,
    10**40,
    1.5,
    True,
    [],
    {},
    "nul\x00byte",
    "6f1c1f7e-3b1a-4f0e-9a55-0d4c3d2b1a00",
]


def check_clean_error(response, what) -> None:
    """Never a 500; a 4xx is the JSON error body."""
    assert response.status_code < 500, (what, response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert "error" in response.json(), what


def matrix_people() -> dict:
    """Who takes part in a permission matrix around one USER's data: `owner`, their STAFF
    `manager`, an `other_user`, an `other_staff` (not the owner's manager) and an `admin`."""
    from accounts.tests.factories import AdminFactory, StaffFactory, UserFactory

    manager = StaffFactory()
    return {
        "owner": UserFactory(manager=manager),
        "other_user": UserFactory(),
        "manager": manager,
        "other_staff": StaffFactory(),
        "admin": AdminFactory(),
    }


# The statuses on a USER's own object, by who asks: reading it, writing it, deleting it.
OWNED_OBJECT_MATRIX = pytest.mark.parametrize(
    ("who", "get", "write", "delete"),
    [
        ("owner", 200, 200, 204),
        ("other_user", 404, 404, 404),
        ("manager", 200, 403, 403),
        ("other_staff", 404, 404, 404),
        ("admin", 200, 200, 204),
        ("anonymous", 401, 401, 401),
    ],
)
