from datetime import UTC, datetime

import pytest

from accounts.tests.factories import StaffFactory, UserFactory
from config.testing import freeze_clock


@pytest.fixture
def clock(monkeypatch):
    """Freeze the services' clock at Monday 2026-12-07 09:00 UTC (before the 2027 dates the tests
    book); tests move it with set()."""
    return freeze_clock(monkeypatch, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))


@pytest.fixture(autouse=True)
def _default_leave_types(django_db_blocker):
    """Every leave test starts with the default types, as a fresh install has them."""
    from leave.tests.factories import ensure_default_leave_types

    with django_db_blocker.unblock():
        ensure_default_leave_types()


@pytest.fixture
def manager():
    return StaffFactory()


@pytest.fixture
def employee(manager):
    """A USER in Bavaria reporting to `manager`, with 25 vacation days in 2027."""
    from leave.tests.factories import ledger_row

    user = UserFactory(country="DE", subdivision="BY", manager=manager)
    ledger_row(user, days=25, year=2027)
    return user
