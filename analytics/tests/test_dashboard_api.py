"""The dashboard over HTTP: the requester's week in a fixed number of queries."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import UserSettings
from accounts.tests.factories import StaffFactory, UserFactory
from groups.tests.factories import GroupFactory, GroupSessionFactory, MembershipFactory
from leave.tests.factories import ensure_default_leave_types, ledger_row, vacation
from scheduling.tests.factories import AppointmentFactory
from tracking.tests.factories import ProjectFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

URL = reverse("analytics:dashboard")


def week_start(today, weekday: int):
    return today - timedelta(days=(today.weekday() - weekday) % 7)


@pytest.fixture
def busy(db):
    """Someone with work on three projects this week, a running timer, a vacation allowance, two
    upcoming appointments and a focus group with a goal of 60 minutes a day."""
    ensure_default_leave_types()
    person = UserFactory(display_name="Busy Bee")
    now = timezone.now()
    monday = week_start(now.date(), 0)
    projects = [ProjectFactory(code=code) for code in ("AAA", "BBB", "CCC")]
    for index, project in enumerate(projects):
        # Early on Monday, whenever the test runs; not exclusive, so it may overlap the timer.
        start = datetime.combine(monday, time.min, tzinfo=UTC) + timedelta(hours=1 + index)
        TimeEntryFactory(
            user=person, project=project, start=start, end=start + timedelta(minutes=10 * (index + 1)), exclusive=False
        )
    TimeEntryFactory(user=person, start=now - timedelta(minutes=5), end=None, activity="Typing")
    ledger_row(person, days=25, year=now.year)
    staff = StaffFactory(display_name="Dr Who")
    AppointmentFactory(
        customer=person, staff=staff, start_utc=now + timedelta(days=1), end_utc=now + timedelta(days=1, hours=1)
    )
    AppointmentFactory(
        customer=person, staff=staff, start_utc=now - timedelta(days=1), end_utc=now - timedelta(hours=23)
    )
    group = GroupFactory(name="Writers", period="day", goal_minutes=60)
    MembershipFactory(group=group, user=person)
    session = GroupSessionFactory(group=group).session
    TimeEntryFactory(user=person, session=session, start=now - timedelta(minutes=50), end=now - timedelta(minutes=20))
    return person


def test_the_dashboard_shows_the_requesters_week(client_for, busy):
    body = client_for(busy).get(URL).json()
    assert body["timezone"] == "UTC"
    assert len(body["days"]) == 7 and body["days"][0]["date"] == body["week_start"]
    assert body["week_seconds"] == sum(day["seconds"] for day in body["days"])
    assert [(p["code"], p["seconds"]) for p in body["top_projects"]] == [("CCC", 1800), ("BBB", 1200), ("AAA", 600)]
    assert body["running"]["activity"] == "Typing" and body["running"]["project"] is None
    vacation_balance = next(b for b in body["leave_balances"] if b["leave_type"] == "VACATION")
    assert Decimal(vacation_balance["remaining"]) == 25
    assert [a["with_person"] for a in body["next_appointments"]] == ["Dr Who"]  # the past one is gone
    group = body["focus_groups"][0]
    assert (group["name"], group["goal_minutes"], group["minutes"], group["percent"]) == ("Writers", 60, 30, 50)


def test_the_week_starts_on_the_requesters_day(client_for, busy):
    UserSettings.objects.create(user=busy, week_start="sunday")
    body = client_for(busy).get(URL).json()
    today = timezone.now().date()
    assert body["week_start"] == week_start(today, 6).isoformat()


def test_the_dashboard_costs_the_same_queries_for_one_group_or_ten(client_for, busy, django_assert_num_queries):
    client = client_for(busy)
    client.get(URL)
    with django_assert_num_queries(9):
        client.get(URL)
    for index, group in enumerate(GroupFactory.create_batch(9, period="week")):
        MembershipFactory(group=group, user=busy)
        start = timezone.now() - timedelta(days=3) + timedelta(minutes=2 * index)
        TimeEntryFactory(
            user=busy, session=GroupSessionFactory(group=group).session, start=start, end=start + timedelta(minutes=1)
        )
    with django_assert_num_queries(9):
        body = client.get(URL).json()
    assert len(body["focus_groups"]) == 10


def test_someone_new_gets_an_empty_week(client_for, user):
    ensure_default_leave_types()
    body = client_for(user).get(URL).json()
    assert body["week_seconds"] == 0 and body["running"] is None
    assert body["focus_groups"] == [] and body["top_projects"] == [] and body["next_appointments"] == []
    assert {b["leave_type"] for b in body["leave_balances"]} >= {vacation().code}


def test_the_dashboard_needs_a_signed_in_person(api_client):
    assert api_client.get(URL).status_code == 401
