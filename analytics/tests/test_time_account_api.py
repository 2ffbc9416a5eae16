"""The working-time account over HTTP: expected from the work pattern minus holidays, leave
credited at the day's expected hours, worked from the entries, and the balance."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from analytics.tests.conftest import utc
from leave.models import EndHalf, LeaveRequest, RequestStatus, StartHalf
from leave.tests.factories import (
    HolidayFactory,
    LeaveRequestFactory,
    WorkPatternFactory,
    ensure_default_leave_types,
    vacation,
)
from tracking.tests.factories import TimeEntryFactory

pytestmark = pytest.mark.django_db

URL = reverse("analytics:report-time-account")
HOUR = 3600
# The week of German Unity Day: Monday 29 September to Sunday 5 October 2025, Friday 3 October
# is a public holiday in all of Germany.
MONDAY = date(2025, 9, 29)
WEEK = {"from": "2025-09-29", "to": "2025-10-05"}


@pytest.fixture
def worker(db):
    ensure_default_leave_types()
    person = UserFactory(timezone="Europe/Berlin", country="DE", subdivision="BE", display_name="Wanda Worker")
    WorkPatternFactory(user=person)  # Monday to Friday, 8 h each
    return person


def work(person, day: date, hours: float, start_hour: int = 7):
    """`hours` of work starting at `start_hour` local time (CEST, UTC+2, in this week)."""
    start = utc(day.year, day.month, day.day, start_hour - 2)
    return TimeEntryFactory(user=person, start=start, end=start + timedelta(hours=hours))


def test_a_week_with_a_public_holiday_and_a_vacation_day(client_for, worker):
    """Mon-Fri 8 h; Wednesday is an approved vacation day; Friday is German Unity Day; 38 h
    worked (9.5 h on Monday, Tuesday, Thursday and Saturday).

    expected = 4 working days left by the holiday x 8 h          = 32 h
               (Wednesday stays expected: the leave covers it)
    leave    = Wednesday at its expected 8 h                     =  8 h
    worked   = 4 x 9.5 h                                         = 38 h
    balance  = worked + leave - expected = 38 + 8 - 32           = +14 h
    """
    LeaveRequestFactory(
        user=worker, start_date=MONDAY + timedelta(days=2), end_date=MONDAY + timedelta(days=2), status="approved"
    )
    for offset in (0, 1, 3, 5):
        work(worker, MONDAY + timedelta(days=offset), 9.5)
    body = client_for(worker).get(URL, WEEK).json()
    assert body["total"] == {
        "expected_seconds": 32 * HOUR,
        "worked_seconds": 38 * HOUR,
        "leave_seconds": 8 * HOUR,
        "balance_seconds": 14 * HOUR,
        "cumulative_balance_seconds": 14 * HOUR,
    }
    assert [week["week"] for week in body["weeks"]] == ["2025-W40"]
    assert {k: v for k, v in body["weeks"][0].items() if k.endswith("seconds")} == body["total"]
    days = {day["date"]: day for day in body["days"]}
    assert days["2025-10-03"]["holiday"]  # its name, in the calendar package's language
    assert days["2025-10-03"]["expected_seconds"] == 0
    assert days["2025-10-01"]["leave"] == "VACATION"
    # Running balance, day by day (hours): +1.5, +3, +3, +4.5, +4.5, +14, +14.
    assert [day["cumulative_balance_seconds"] / HOUR for day in body["days"]] == [1.5, 3, 3, 4.5, 4.5, 14, 14]
    assert body["user"]["name"] == "Wanda Worker" and body["timezone"] == "Europe/Berlin"


def test_half_day_holidays_and_half_day_leave_are_halved(client_for, worker):
    # Tuesday: a company half-day holiday (4 h expected). Wednesday afternoon and Thursday morning
    # off (4 h leave each); Thursday also a half-day holiday, so 4 h are expected and 2 h credited.
    HolidayFactory(date=MONDAY + timedelta(days=1), name="Afternoon off", half_day=True)
    HolidayFactory(date=MONDAY + timedelta(days=3), name="Morning off", half_day=True)
    LeaveRequestFactory(
        user=worker,
        start_date=MONDAY + timedelta(days=2),
        end_date=MONDAY + timedelta(days=3),
        start_half=StartHalf.AFTERNOON,
        end_half=EndHalf.MORNING,
        status=RequestStatus.APPROVED,
    )
    days = client_for(worker).get(URL, {"from": "2025-09-30", "to": "2025-10-02"}).json()["days"]
    assert [(d["date"], d["expected_seconds"] / HOUR, d["leave_seconds"] / HOUR) for d in days] == [
        ("2025-09-30", 4, 0),
        ("2025-10-01", 8, 4),
        ("2025-10-02", 4, 2),
    ]


def test_pending_and_rejected_leave_is_not_credited(client_for, worker):
    for status in (RequestStatus.PENDING, RequestStatus.REJECTED):
        LeaveRequestFactory(user=worker, start_date=MONDAY, end_date=MONDAY, status=status, leave_type=vacation())
        body = client_for(worker).get(URL, {"from": "2025-09-29", "to": "2025-09-29"}).json()
        assert body["total"]["leave_seconds"] == 0
        LeaveRequest.objects.filter(user=worker).delete()


def test_a_pattern_change_and_the_default_pattern(client_for, settings):
    settings.LEAVE_DEFAULT_WEEK_HOURS = [6, 6, 6, 6, 6, 0, 0]
    person = UserFactory()
    WorkPatternFactory(user=person, valid_from=MONDAY + timedelta(days=2), monday=Decimal(0), wednesday=Decimal(10))
    days = client_for(person).get(URL, WEEK).json()["days"]
    assert [d["expected_seconds"] // HOUR for d in days] == [6, 6, 10, 8, 8, 0, 0]


def test_work_counts_on_the_persons_local_day(client_for, worker):
    # 23:30-00:30 local on Monday night, from the entry's start: Monday.
    TimeEntryFactory(user=worker, start=utc(2025, 9, 29, 21, 30), end=utc(2025, 9, 29, 22, 30))
    days = client_for(worker).get(URL, WEEK).json()["days"]
    assert days[0]["worked_seconds"] == HOUR and days[1]["worked_seconds"] == 0


def test_weeks_are_iso_weeks_clipped_to_the_window(client_for, worker):
    body = client_for(worker).get(URL, {"from": "2025-09-26", "to": "2025-10-07"}).json()
    assert [(w["week"], w["first_day"], w["last_day"], w["expected_seconds"] // HOUR) for w in body["weeks"]] == [
        ("2025-W39", "2025-09-26", "2025-09-28", 8),
        ("2025-W40", "2025-09-29", "2025-10-05", 32),
        ("2025-W41", "2025-10-06", "2025-10-07", 16),
    ]
    assert body["weeks"][-1]["cumulative_balance_seconds"] == body["total"]["balance_seconds"] == -56 * HOUR


def test_staff_read_their_reports_accounts_and_nobody_elses(client_for, team):
    manager, (ada, _), outsider = team["manager"], team["reports"], team["outsider"]
    client = client_for(manager)
    assert client.get(URL, {**WEEK, "user": str(ada.uuid)}).json()["user"]["id"] == str(ada.uuid)
    refused = client.get(URL, {**WEEK, "user": str(outsider.uuid)})
    assert refused.status_code == 404
    assert client_for(ada).get(URL, {**WEEK, "user": str(manager.uuid)}).status_code == 404


@pytest.mark.parametrize(
    "window",
    [{"from": "2025-10-05", "to": "2025-10-04"}, {"from": "2025-01-01", "to": "2026-01-02"}, {"from": "2025-13-01"}],
)
def test_a_bad_window_is_a_400(client_for, user, window):
    assert client_for(user).get(URL, window).status_code == 400


def test_a_year_costs_what_a_day_costs_in_queries(client_for, worker, django_assert_num_queries):
    client = client_for(worker)
    for offset in range(0, 300, 7):
        work(worker, date(2025, 1, 6) + timedelta(days=offset), 8)
        LeaveRequestFactory(
            user=worker, start_date=date(2025, 1, 7) + timedelta(days=offset), status=RequestStatus.APPROVED
        )
    client.get(URL, {"from": "2025-01-01", "to": "2025-01-01"})
    # Patterns, company holidays, approved leave, entries by day (the requester comes from the cache).
    with django_assert_num_queries(4):
        one_day = client.get(URL, {"from": "2025-01-01", "to": "2025-01-01"})
    with django_assert_num_queries(4):
        year = client.get(URL, {"from": "2025-01-01", "to": "2025-12-31"})
    assert len(one_day.json()["days"]) == 1 and len(year.json()["days"]) == 365
    assert year.json()["total"]["leave_seconds"] == 43 * 8 * HOUR
