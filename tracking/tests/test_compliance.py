"""Working-time compliance: the rules in the user's time zone, warnings on writes, enforcement,
and the report endpoint."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.models import UserSettings
from accounts.tests.factories import AdminFactory, StaffFactory, UserFactory
from tracking.compliance import MAX_DAILY, MAX_WEEKLY, MIN_REST, Limits, day_bounds, evaluate
from tracking.models import TimeEntry
from tracking.tests.factories import SessionFactory, TimeEntryFactory, at

pytestmark = pytest.mark.django_db

URL = "/api/v1/compliance/"
ENTRIES = "/api/v1/time-entries/"
LIMITS = Limits(weekly_hours=48, daily_hours=10, rest_hours=11)
NOW = datetime(2025, 10, 1, tzinfo=UTC)


def rules(violations):
    return [(v.rule, v.date) for v in violations]


def test_a_long_day_breaks_the_daily_maximum(user):
    found = evaluate([(at(0, 7), at(0, 18))], user=user, now=NOW, limits=LIMITS)
    assert rules(found) == [(MAX_DAILY, date(2025, 9, 15))]
    assert found[0].hours == 11.0 and found[0].limit_hours == 10
    assert evaluate([(at(0, 8), at(0, 18))], user=user, now=NOW, limits=LIMITS) == []


def test_overlapping_entries_count_once(user):
    found = evaluate([(at(0, 8), at(0, 16)), (at(0, 10), at(0, 18))], user=user, now=NOW, limits=LIMITS)
    assert rules(found) == []


def test_days_are_the_users_local_days(user):
    user.timezone = "America/New_York"
    # 08:00-17:00 EDT on Monday, then 21:00-00:00 EDT (01:00-04:00Z Tuesday): 12 h of local Monday.
    entries = [(at(0, 12), at(0, 21)), (at(1, 1), at(1, 4))]
    found = evaluate(entries, user=user, now=NOW, limits=LIMITS)
    assert rules(found) == [(MAX_DAILY, date(2025, 9, 15))]
    assert found[0].period_start == datetime(2025, 9, 15, 4, 0, tzinfo=UTC)  # local midnight
    user.timezone = "UTC"
    # On UTC days the same work is 9 h on Monday and 3 h on Tuesday after only 4 h of rest.
    assert rules(evaluate(entries, user=user, now=NOW, limits=LIMITS)) == [(MIN_REST, date(2025, 9, 16))]


def test_a_local_day_across_a_dst_change_has_25_hours():
    start, end = day_bounds(date(2025, 10, 26), ZoneInfo("Europe/Berlin"))
    assert end - start == timedelta(hours=25)


def test_weekly_maximum_follows_the_users_week_start(user):
    # Sunday 2025-09-14 through Saturday 2025-09-20, 10 h each day except Sunday's 9 h.
    days = [(at(day, 8), at(day, 18 if day != -1 else 17)) for day in range(-1, 6)]
    monday_weeks = evaluate(days, user=user, now=NOW, limits=Limits(48, 0, 0))
    assert rules(monday_weeks) == [(MAX_WEEKLY, date(2025, 9, 15))]  # Mon-Sat: 60 h
    assert monday_weeks[0].hours == 60.0
    UserSettings.objects.create(user=user, week_start="sunday")
    user.refresh_from_db()
    sunday_weeks = evaluate(days, user=user, now=NOW, limits=Limits(48, 0, 0))
    assert rules(sunday_weeks) == [(MAX_WEEKLY, date(2025, 9, 14))]
    assert sunday_weeks[0].hours == 69.0


def test_short_rest_between_working_days(user):
    late_then_early = [(at(0, 14), at(0, 23)), (at(1, 8), at(1, 12))]
    found = evaluate(late_then_early, user=user, now=NOW, limits=LIMITS)
    assert rules(found) == [(MIN_REST, date(2025, 9, 16))]
    assert found[0].hours == 9.0
    assert (found[0].period_start, found[0].period_end) == (at(0, 23), at(1, 8))
    enough = [(at(0, 14), at(0, 21)), (at(1, 8), at(1, 12))]
    assert evaluate(enough, user=user, now=NOW, limits=LIMITS) == []
    lunch_break = [(at(0, 8), at(0, 12)), (at(0, 13), at(0, 17))]
    assert evaluate(lunch_break, user=user, now=NOW, limits=LIMITS) == []


def test_a_running_entry_counts_up_to_now(user):
    found = evaluate([(at(0, 7), None)], user=user, now=at(0, 18), limits=LIMITS)
    assert rules(found) == [(MAX_DAILY, date(2025, 9, 15))]


def test_creating_an_entry_returns_warnings_for_its_week(client_for, user):
    TimeEntryFactory(user=user, start=at(0, 7), end=at(0, 12))
    response = client_for(user).post(ENTRIES, {"start_utc": "2025-09-15T13:00:00Z", "end_utc": "2025-09-15T19:00:00Z"})
    assert response.status_code == 201
    warnings = response.json()["warnings"]
    assert [(w["rule"], w["date"], w["hours"]) for w in warnings] == [("max_daily_hours", "2025-09-15", 11.0)]
    assert warnings[0]["period_start"] == "2025-09-15T00:00:00Z"


def test_enforcement_turns_a_new_violation_into_422_and_keeps_nothing(client_for, user, settings):
    settings.WORKING_TIME_ENFORCE = True
    TimeEntryFactory(user=user, start=at(0, 7), end=at(0, 12))
    client = client_for(user)
    response = client.post(ENTRIES, {"start_utc": "2025-09-15T13:00:00Z", "end_utc": "2025-09-15T19:00:00Z"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "working_time_limit"
    assert error["violations"][0]["rule"] == "max_daily_hours"
    assert TimeEntry.objects.count() == 1
    assert (
        client.post(ENTRIES, {"start_utc": "2025-09-15T13:00:00Z", "end_utc": "2025-09-15T17:00:00Z"}).status_code
        == 201
    )


def test_enforcement_does_not_block_edits_that_leave_an_old_violation_as_it_was(client_for, user, settings):
    entry = TimeEntryFactory(user=user, start=at(0, 6), end=at(0, 18))
    settings.WORKING_TIME_ENFORCE = True
    client = client_for(user)
    edited = client.patch(f"{ENTRIES}{entry.uuid}/", {"notes": "long day"})
    assert edited.status_code == 200
    assert [w["rule"] for w in edited.json()["warnings"]] == ["max_daily_hours"]
    assert client.patch(f"{ENTRIES}{entry.uuid}/", {"end_utc": "2025-09-15T17:00:00Z"}).status_code == 200
    assert client.patch(f"{ENTRIES}{entry.uuid}/", {"end_utc": "2025-09-15T19:00:00Z"}).status_code == 422


def test_enforcement_covers_session_laps(client_for, user, settings):
    settings.WORKING_TIME_ENFORCE = True
    TimeEntryFactory(user=user, start=at(0, 7), end=at(0, 15))
    session = SessionFactory(owner=user)
    response = client_for(user).post(
        f"/api/v1/sessions/{session.uuid}/logs/", {"start_utc": "2025-09-15T16:00:00Z", "duration": 3 * 3600}
    )
    assert response.status_code == 422
    assert not session.laps.exists()


def _long_days(user, count=2):
    for day in range(count):
        TimeEntryFactory(user=user, start=at(day, 7), end=at(day, 19))


def test_report_lists_violations_in_the_window_by_role(client_for):
    manager = StaffFactory()
    report, stranger = UserFactory(manager=manager), UserFactory()
    _long_days(report)
    _long_days(stranger)
    window = "?from=2025-09-15T00:00:00Z&to=2025-09-16T00:00:00Z"

    own = client_for(report).get(URL + window).json()
    assert [(v["rule"], v["date"], v["user"]) for v in own["results"]] == [
        ("max_daily_hours", "2025-09-15", str(report.uuid))
    ]
    assert client_for(manager).get(URL + window).json()["count"] == 1
    assert client_for(AdminFactory()).get(URL + window).json()["count"] == 2
    whole = client_for(report).get(f"{URL}?from=2025-09-15T00:00:00Z&to=2025-09-22T00:00:00Z").json()
    assert [v["date"] for v in whole["results"]] == ["2025-09-15", "2025-09-16"]
    assert client_for(manager).get(f"{URL}{window}&user={report.uuid}").json()["count"] == 1
    assert client_for(manager).get(f"{URL}{window}&user={stranger.uuid}").status_code == 404
    assert client_for(report).get(f"{URL}{window}&user={stranger.uuid}").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?from=2025-09-15T00:00:00Z",
        "?from=2025-09-15T00:00:00&to=2025-09-16T00:00:00Z",
        "?from=2025-09-16T00:00:00Z&to=2025-09-15T00:00:00Z",
        "?from=2020-01-01T00:00:00Z&to=2025-01-01T00:00:00Z",
        "?from=0001-01-01T00:00:00Z&to=0001-01-02T00:00:00Z",
        "?from=2025-09-15T00:00:00Z&to=2025-09-16T00:00:00Z&user=nope",
        "?from=2025-09-15T00:00:00Z&to=2025-09-16T00:00:00Z&page_size=-1",
    ],
)
def test_bad_report_queries_are_400(client_for, user, query):
    response = client_for(user).get(URL + query)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]


def test_report_needs_authentication(api_client):
    assert api_client.get(f"{URL}?from=2025-09-15T00:00:00Z&to=2025-09-16T00:00:00Z").status_code == 401


def test_report_pages_follow_the_page_size(client_for):
    admin = AdminFactory()
    for person in UserFactory.create_batch(4):
        UserSettings.objects.create(user=person, week_start="sunday")
        _long_days(person, count=3)
    client = client_for(admin)
    window = "from=2025-09-15T00:00:00Z&to=2025-09-22T00:00:00Z"
    small = client.get(f"{URL}?{window}&page_size=2")
    large = client.get(f"{URL}?{window}&page_size=50")
    assert len(small.json()["results"]) == 2
    assert large.json()["count"] == len(large.json()["results"]) == 12
