"""The overlap rule's single-interval check (rules._overlaps_one, one step back on the (user,
start) index) against the general query it short-cuts: the same answer for every placement of a
new interval around stored entries, and the same entry named when there is a conflict."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tracking.models import TimeEntry
from tracking.services.rules import find_overlap
from tracking.tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

BASE = timezone.now().replace(microsecond=0) - timedelta(days=3)


def h(hours: float):
    return BASE + timedelta(hours=hours)


def general(user, start, end, exclude=()):
    """find_overlap's batch query, which checks every candidate row (two identical intervals
    are a batch of two, so the single-interval path is not taken)."""
    return find_overlap(intervals=[(user.pk, start, end), (user.pk, start, end)], exclude=exclude)


@pytest.fixture
def stored(user):
    """Entries at 1-2 h, 3-4 h (with microseconds) and 6-8 h, a non-exclusive one at 10-12 h
    (written while overlaps were allowed) and another user's at 0-24 h."""
    rows = [
        TimeEntryFactory(user=user, start=h(1), end=h(2)),
        TimeEntryFactory(user=user, start=h(3) + timedelta(microseconds=250), end=h(4)),
        TimeEntryFactory(user=user, start=h(6), end=h(8)),
    ]
    TimeEntry.objects.filter(pk=TimeEntryFactory(user=user, start=h(10), end=h(12)).pk).update(exclusive=False)
    TimeEntryFactory(start=h(0), end=h(24))
    return rows


CASES = [
    (0, 1, None),  # ends where the first starts
    (2, 3, None),  # between the first two, touching both
    (2, 3.0001, 1),  # into the second by a fraction of a second
    (1.5, 2.5, 0),
    (0, 9, 0),  # covers all three: the first is named
    (3.5, 7, 1),  # from inside the second into the third: the second is named
    (8, 11, None),  # after the last exclusive one, over the non-exclusive one
    (7.99, None, 2),  # open-ended (a timer) from inside the last
    (8, None, None),  # open-ended from the last one's end
    (4, 6, None),
]


@pytest.mark.parametrize(("start", "end", "named"), CASES)
def test_a_single_interval_is_judged_as_the_general_query_judges_it(user, stored, start, end, named):
    interval = (user.pk, h(start), h(end) if end is not None else None)
    found = find_overlap(intervals=[interval])
    assert general(user, interval[1], interval[2]) == (None if named is None else (stored[named], 0))
    assert found == (None if named is None else (stored[named], 0))


def test_a_running_entry_blocks_everything_after_its_start(user, stored):
    running = TimeEntryFactory(user=user, start=h(20), end=None)
    assert find_overlap(intervals=[(user.pk, h(30), h(31))]) == (running, 0)
    assert find_overlap(intervals=[(user.pk, h(19), h(20))]) is None


def test_excluded_rows_are_not_in_the_way(user, stored):
    assert find_overlap(intervals=[(user.pk, h(1.5), h(3.5))], exclude=[stored[0].pk]) == (stored[1], 0)
    assert find_overlap(intervals=[(user.pk, h(1.5), h(3.5))], exclude=[stored[0].pk, stored[1].pk]) is None
