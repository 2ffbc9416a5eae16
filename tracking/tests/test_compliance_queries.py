"""The write guard's days: summed by the database on PostgreSQL (compliance.WEEK_WORK_SQL), by
Python elsewhere; both must come to the same work per day, whatever the entries and the zone."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.models import UserSettings
from tracking.compliance import _midnights, week_work
from tracking.tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2025, 9, 15, tzinfo=UTC)
NOW = MONDAY + timedelta(days=12, hours=9)


def both_ways(user, first: date, days: int):
    bounds = _midnights(ZoneInfo(user.timezone), first, days)
    week_start, days = week_work(user, first, bounds, NOW)
    orm_week_start, orm_days = week_work(user, first, bounds, NOW, written_out=False)
    assert days == orm_days
    assert orm_week_start in (week_start, None)  # the ORM's path reads it with the entries only
    return week_start, days


@pytest.mark.postgres
@pytest.mark.parametrize("week_start", [None, "sunday"], ids=["no settings row", "a week start set"])
def test_the_database_sums_the_days_as_python_does(user, week_start):
    if week_start:
        UserSettings.objects.update_or_create(user=user, defaults={"week_start": week_start})
    else:
        UserSettings.objects.filter(user=user).delete()
    user.timezone = "Europe/Berlin"
    for day in range(-2, 9):
        start = MONDAY + timedelta(days=day, hours=22, microseconds=17 * (day % 3))
        TimeEntryFactory(user=user, start=start, end=start + timedelta(hours=3))
    # Overlapping and touching entries (outside the no-overlap rule) merge into one block.
    TimeEntryFactory(user=user, start=MONDAY + timedelta(hours=9), end=MONDAY + timedelta(hours=12), exclusive=False)
    TimeEntryFactory(user=user, start=MONDAY + timedelta(hours=11), end=MONDAY + timedelta(hours=13), exclusive=False)
    TimeEntryFactory(user=user, start=MONDAY + timedelta(hours=13), end=MONDAY + timedelta(hours=14), exclusive=False)
    TimeEntryFactory(user=user, start=MONDAY + timedelta(days=12, hours=2), end=None)  # counts up to NOW
    TimeEntryFactory(start=MONDAY + timedelta(hours=1), end=MONDAY + timedelta(hours=2))  # someone else's
    week_start_read, days = both_ways(user, date(2025, 9, 13), 16)
    assert week_start_read == (week_start or "monday")
    assert days[date(2025, 9, 15)].worked == timedelta(hours=8)  # 00:00-03:00 and 11:00-16:00 local
    assert days[date(2025, 9, 27)].first_start == MONDAY + timedelta(days=12, hours=2)
    assert days[date(2025, 9, 27)].last_end == NOW


@pytest.mark.postgres
@pytest.mark.parametrize("running", [False, True], ids=["finished", "running"])
def test_entries_from_before_the_days_count_where_they_reach_into_them(user, running):
    """The database reads the entries that start before the days through the last exclusive one
    and the loose ones only: those must be every entry that reaches into the days."""
    first = date(2025, 9, 13)
    since = datetime(2025, 9, 13, tzinfo=UTC)
    TimeEntryFactory(user=user, start=since - timedelta(days=3), end=since - timedelta(days=2))  # long before
    TimeEntryFactory(user=user, start=since - timedelta(hours=9), end=since - timedelta(hours=8))
    TimeEntryFactory(user=user, start=since - timedelta(hours=3), end=None if running else since + timedelta(hours=2))
    TimeEntryFactory(user=user, start=since - timedelta(hours=5), end=since + timedelta(hours=1), exclusive=False)
    TimeEntryFactory(user=user, start=since - timedelta(hours=6), end=since - timedelta(hours=4), exclusive=False)
    later = {"start": since + timedelta(days=1), "end": since + timedelta(days=1, hours=4)}
    TimeEntryFactory(user=user, exclusive=not running, **later)  # a running exclusive entry blocks what follows
    _, days = both_ways(user, first, 16)
    reached = timedelta(days=16) if running else timedelta(hours=2)  # a running one counts up to NOW
    assert days[first].worked == min(reached, timedelta(days=1))
    assert days[first].first_start is None  # its block began the day before


@pytest.mark.postgres
def test_days_without_work_still_read_the_week_start(user):
    UserSettings.objects.update_or_create(user=user, defaults={"week_start": "saturday"})
    TimeEntryFactory(user=user, start=MONDAY - timedelta(days=30), end=MONDAY - timedelta(days=30, hours=-1))
    TimeEntryFactory(user=user, start=NOW, end=None)  # running from now: nothing worked yet
    assert both_ways(user, date(2025, 9, 13), 16) == ("saturday", {})


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("zone", "first"),
    [
        ("Europe/Berlin", date(2025, 10, 20)),  # autumn: a 25-hour day
        ("America/Santiago", date(2025, 8, 30)),  # spring at midnight: a local midnight that does not exist
        ("Australia/Lord_Howe", date(2025, 9, 28)),  # half-hour shifts
        ("Asia/Kathmandu", date(2025, 9, 1)),
    ],
)
def test_random_weeks_come_to_the_same_days_in_any_zone(user, zone, first):
    rng = random.Random(f"{zone}{first}")
    UserSettings.objects.filter(user=user).delete()
    user.timezone = zone
    user.save(update_fields=["timezone"])
    origin = datetime.combine(first, datetime.min.time(), tzinfo=UTC)
    for _ in range(60):
        start = origin + timedelta(minutes=rng.randrange(-2 * 1440, 18 * 1440), microseconds=rng.randrange(10**6))
        TimeEntryFactory(user=user, start=start, end=start + timedelta(minutes=rng.randrange(1, 900)), exclusive=False)
    assert len(both_ways(user, first, 16)[1]) >= 10
