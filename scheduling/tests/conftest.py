from datetime import UTC, datetime

import pytest

from config.testing import freeze_clock


@pytest.fixture
def clock(monkeypatch):
    """Freeze the services' clock at Monday 2026-12-07 09:00 UTC (before the dates the tests
    book); tests move it with set()."""
    return freeze_clock(monkeypatch, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))


@pytest.fixture
def leave_types(db):
    """The default leave types, as a fresh install has them (a transactional test's flush removes them)."""
    from leave.tests.factories import ensure_default_leave_types

    ensure_default_leave_types()
