"""The current-period leaderboard: period bounds in the group's zone, clipping, running laps,
goals, percent and rank."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.tests.factories import UserFactory
from groups.models import Period
from groups.selectors import group_progress_current, period_bounds
from groups.tests.factories import GroupFactory, GroupSessionFactory, MembershipFactory
from tracking.tests.factories import SessionFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("period", "zone", "now", "start", "end"),
    [
        ("day", "UTC", utc(2025, 9, 17, 23, 59), utc(2025, 9, 17), utc(2025, 9, 18)),
        ("day", "Asia/Tokyo", utc(2025, 9, 17, 16, 0), utc(2025, 9, 17, 15), utc(2025, 9, 18, 15)),
        ("week", "UTC", utc(2025, 9, 21, 23, 0), utc(2025, 9, 15), utc(2025, 9, 22)),
        ("week", "America/Los_Angeles", utc(2025, 9, 22, 3, 0), utc(2025, 9, 15, 7), utc(2025, 9, 22, 7)),
        ("month", "UTC", utc(2025, 12, 31, 12), utc(2025, 12, 1), utc(2026, 1, 1)),
        ("month", "Europe/Berlin", utc(2025, 10, 15), utc(2025, 9, 30, 22), utc(2025, 10, 31, 23)),
        # A week with the spring-forward change is an hour shorter.
        ("week", "Europe/Berlin", utc(2025, 3, 30, 12), utc(2025, 3, 23, 23), utc(2025, 3, 30, 22)),
    ],
)
def test_the_period_runs_from_local_midnight_to_local_midnight(period, zone, now, start, end):
    assert period_bounds(period=period, zone_name=zone, now=now) == (start, end)


def progress_rows(group, now):
    return [
        (row.membership.user.email, row.minutes, row.goal_minutes, row.percent, row.rank)
        for row in group_progress_current(group=group, now=now).members
    ]


def test_laps_in_the_groups_sessions_count_clipped_to_the_period():
    now = utc(2025, 9, 17, 12)  # a Wednesday
    group = GroupFactory(period=Period.WEEK, goal_minutes=120, owner=UserFactory(email="a@example.com"))
    member = MembershipFactory(group=group, user=UserFactory(email="b@example.com"), goal_minutes=30).user
    session = GroupSessionFactory(group=group).session
    owner = group.owner
    TimeEntryFactory(user=owner, session=session, start=utc(2025, 9, 14, 23), end=utc(2025, 9, 15, 1))  # 60 in
    TimeEntryFactory(user=owner, session=session, start=utc(2025, 9, 16, 9), end=utc(2025, 9, 16, 9, 30, 59))
    TimeEntryFactory(user=member, session=session, start=utc(2025, 9, 17, 11), end=None)  # running: 60 so far
    TimeEntryFactory(user=member, session=session, start=utc(2025, 9, 10, 9), end=utc(2025, 9, 10, 11))  # last week
    TimeEntryFactory(user=member, start=utc(2025, 9, 16, 9), end=utc(2025, 9, 16, 11))  # not in a session
    for hour, elsewhere in ((12, SessionFactory(owner=member)), (14, GroupSessionFactory().session)):
        TimeEntryFactory(user=member, session=elsewhere, start=utc(2025, 9, 16, hour), end=utc(2025, 9, 16, hour + 1))

    assert progress_rows(group, now) == [
        ("a@example.com", 90, 120, 75, 1),
        ("b@example.com", 60, 30, 200, 2),
    ]


def test_equal_minutes_share_a_rank_and_the_next_rank_skips():
    now = utc(2025, 9, 17, 12)
    group = GroupFactory(period=Period.DAY, goal_minutes=90, owner=UserFactory(display_name="Dora"))
    session = GroupSessionFactory(group=group).session
    people = {name: MembershipFactory(group=group, user=UserFactory(display_name=name)).user for name in "ABC"}
    minutes = {"A": 30, "B": 45, "C": 30}
    for name, length in minutes.items():
        start = utc(2025, 9, 17, 8)
        TimeEntryFactory(user=people[name], session=session, start=start, end=start + timedelta(minutes=length))
    # Seconds below a whole minute do not break a tie.
    TimeEntryFactory(user=group.owner, session=session, start=utc(2025, 9, 17, 9), end=utc(2025, 9, 17, 9, 30, 40))
    rows = [
        (r.membership.user.display_name, r.minutes, r.percent, r.rank)
        for r in group_progress_current(group=group, now=now).members
    ]
    assert rows == [("B", 45, 50, 1), ("A", 30, 33, 2), ("C", 30, 33, 2), ("Dora", 30, 33, 2)]


def test_members_without_time_are_listed_last_with_zero(client_for):
    group = GroupFactory()
    MembershipFactory(group=group)
    body = client_for(group.owner).get(f"/api/v1/groups/{group.uuid}/progress/current/").json()
    assert [(m["minutes"], m["percent"], m["rank"], m["goal_met"]) for m in body["members"]] == [(0, 0, 1, False)] * 2
    assert body["period"] == "week" and body["timezone"] == "UTC"


@pytest.mark.parametrize("size", [2, 50])
def test_progress_ranks_2_and_50_members(client_for, clock, size):
    group = GroupFactory()
    session = GroupSessionFactory(group=group).session
    for index in range(size - 1):
        member = MembershipFactory(group=group).user
        start = clock.now - timedelta(hours=2)
        TimeEntryFactory(user=member, session=session, start=start, end=start + timedelta(minutes=index + 1))
    response = client_for(group.owner).get(f"/api/v1/groups/{group.uuid}/progress/current/")
    members = response.json()["members"]
    assert len(members) == size
    assert members[0]["minutes"] == size - 1 and members[0]["rank"] == 1
