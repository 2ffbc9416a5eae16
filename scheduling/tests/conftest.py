from datetime import UTC, datetime

import pytest
from django.utils import timezone


class Clock:
    """The time services see (`django.utils.timezone.now`), set by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def set(self, *args) -> datetime:
        self.now = datetime(*args, tzinfo=UTC)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """Freeze the services' clock at Monday 2026-12-07 09:00 UTC (before the dates the tests
    book); tests move it with set()."""
    fixed = Clock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    monkeypatch.setattr(timezone, "now", lambda: fixed.now)
    return fixed


@pytest.fixture
def leave_types(db):
    """The default leave types, as a fresh install has them (a transactional test's flush removes them)."""
    from leave.tests.factories import ensure_default_leave_types

    ensure_default_leave_types()
