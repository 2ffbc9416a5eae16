from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone


class Clock:
    """The time services see (`django.utils.timezone.now`), moved by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def advance(self, **kwargs) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """Freeze the services' clock at Monday 2025-09-15 09:00 UTC; tests move it with advance()."""
    fixed = Clock(datetime(2025, 9, 15, 9, 0, tzinfo=UTC))
    monkeypatch.setattr(timezone, "now", lambda: fixed.now)
    return fixed
