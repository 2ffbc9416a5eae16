"""The working-time guard's week query: written out on PostgreSQL (compliance.WEEK_ROWS_SQL),
the ORM's elsewhere; both must read the same rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import UserSettings
from tracking.compliance import week_rows
from tracking.tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2025, 9, 15, tzinfo=UTC)


@pytest.mark.postgres
@pytest.mark.parametrize("week_start", [None, "sunday"], ids=["no settings row", "a week start set"])
def test_the_written_out_week_query_reads_what_the_orm_reads(user, week_start):
    if week_start:
        UserSettings.objects.update_or_create(user=user, defaults={"week_start": week_start})
    else:
        UserSettings.objects.filter(user=user).delete()
    for day in range(-2, 9):
        start = MONDAY + timedelta(days=day, hours=22, microseconds=17 * (day % 3))
        TimeEntryFactory(user=user, start=start, end=start + timedelta(hours=3))
    TimeEntryFactory(user=user, start=MONDAY + timedelta(days=9, hours=2), end=None)
    TimeEntryFactory(start=MONDAY + timedelta(hours=1), end=MONDAY + timedelta(hours=2))  # someone else's
    for start, end in [(MONDAY, MONDAY + timedelta(days=7)), (MONDAY - timedelta(days=1), MONDAY + timedelta(days=30))]:
        written_out = week_rows(user, start, end)
        assert written_out == week_rows(user, start, end, written_out=False)
        assert written_out and {row[2] for row in written_out} == {week_start}
