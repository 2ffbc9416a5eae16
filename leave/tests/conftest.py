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
    """Freeze the services' clock at Monday 2026-12-07 09:00 UTC (before the 2027 dates the tests
    book); tests move it with set()."""
    fixed = Clock(datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    monkeypatch.setattr(timezone, "now", lambda: fixed.now)
    return fixed


@pytest.fixture(autouse=True)
def _default_leave_types(django_db_blocker):
    """Every leave test starts with the default types, as a fresh install has them."""
    from leave.tests.factories import ensure_default_leave_types

    with django_db_blocker.unblock():
        ensure_default_leave_types()
