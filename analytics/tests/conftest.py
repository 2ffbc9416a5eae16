from datetime import UTC, datetime, timedelta

import pytest

from accounts.tests.factories import StaffFactory, UserFactory
from tracking.tests.factories import ProjectFactory, TaskFactory, TimeEntryFactory


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def berlin_user(db):
    return UserFactory(timezone="Europe/Berlin", display_name="Berta Berlin")


@pytest.fixture
def berlin_entries(berlin_user):
    """Entries around the end of summer time in Berlin (Sunday 26 October 2025, 03:00 CEST →
    02:00 CET) and around local midnights, on two projects and none.

    local start (Berlin)        UTC start            length  project
    Sat 25 Oct 23:50 CEST       25 Oct 21:50         20 min  A
    Sun 26 Oct 00:10 CEST       25 Oct 22:10         50 min  A   (before the change; UTC still the 25th)
    Sun 26 Oct 02:30 CET        26 Oct 01:30         61 min  B   (the repeated hour, second time)
    Sun 26 Oct 23:55 CET        26 Oct 22:55          7 min  B   (crosses local midnight)
    Mon 27 Oct 00:05 CET        26 Oct 23:05         44 min  none
    """
    a = ProjectFactory(code="ALPHA", name="Alpha")
    b = ProjectFactory(code="BETA", name="Beta", billable=False)
    rows = [
        (utc(2025, 10, 25, 21, 50), 20, a, True),
        (utc(2025, 10, 25, 22, 10), 50, a, True),
        (utc(2025, 10, 26, 1, 30), 61, b, False),
        (utc(2025, 10, 26, 22, 55), 7, b, False),
        (utc(2025, 10, 26, 23, 5), 44, None, False),
    ]
    entries = [
        TimeEntryFactory(
            user=berlin_user,
            project=project,
            task=TaskFactory(project=project) if project else None,
            start=start,
            end=start + timedelta(minutes=minutes),
            billable=billable,
        )
        for start, minutes, project, billable in rows
    ]
    return {"alpha": a, "beta": b, "entries": entries}


@pytest.fixture
def team(db):
    """A STAFF manager with two reports, and an outsider with another manager."""
    manager = StaffFactory(display_name="Mona Manager")
    reports = [UserFactory(manager=manager, display_name=name) for name in ("Ada", "Ben")]
    outsider = UserFactory(manager=StaffFactory(), display_name="Olga Outside")
    return {"manager": manager, "reports": reports, "outsider": outsider}
