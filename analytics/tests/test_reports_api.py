"""The grouped, detailed and weekly reports over HTTP."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import UserSettings
from accounts.tests.factories import AdminFactory, UserFactory
from analytics.selectors.search import EntryDocument, prefix_query
from analytics.tests.conftest import utc
from groups.tests.factories import GroupSessionFactory
from tracking.models import TimeEntry
from tracking.tests.factories import ProjectFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

SUMMARY = reverse("analytics:report-summary")
DETAILED = reverse("analytics:report-detailed")
WEEKLY = reverse("analytics:report-weekly")
OCTOBER = {"from": "2025-10-20T00:00:00+02:00", "to": "2025-11-03T00:00:00+01:00"}


def summary(client, **params):
    response = client.get(SUMMARY, {**OCTOBER, **params})
    assert response.status_code == 200, response.content
    return response.json()


def by_key(groups):
    return {group["key"]: group for group in groups}


# --- Grouped report -------------------------------------------------------------------------


def test_each_entry_lands_in_its_berlin_local_day_across_the_dst_change_and_midnight(
    client_for, berlin_user, berlin_entries
):
    body = summary(client_for(berlin_user), group="day", sub_group="project")
    assert body["timezone"] == "Europe/Berlin"
    days = by_key(body["groups"])
    # Sat 25: the 23:50 entry. Sun 26 (25 hours long): 00:10 CEST, 02:30 CET and 23:55 CET (to
    # 00:02, counted on the day it starts). Mon 27: the entry starting at 00:05. In UTC the split
    # would be 70 / 112 minutes.
    assert {key: group["seconds"] // 60 for key, group in days.items()} == {
        "2025-10-25": 20,
        "2025-10-26": 50 + 61 + 7,
        "2025-10-27": 44,
    }
    assert [group["label"] for group in body["groups"]] == ["Sat 25 Oct 2025", "Sun 26 Oct 2025", "Mon 27 Oct 2025"]
    sunday = by_key(days["2025-10-26"]["groups"])
    alpha, beta = berlin_entries["alpha"], berlin_entries["beta"]
    assert sunday[str(alpha.uuid)]["seconds"] == 50 * 60
    assert sunday[str(beta.uuid)]["seconds"] == 68 * 60
    assert days["2025-10-27"]["groups"] == [
        {"key": None, "label": "No project", "seconds": 44 * 60, "billable_seconds": 0}
    ]


def test_the_same_entries_counted_in_utc_split_at_utc_midnight(client_for, berlin_user, berlin_entries):
    body = summary(client_for(berlin_user), group="day", timezone="UTC")
    assert {g["key"]: g["seconds"] // 60 for g in body["groups"]} == {"2025-10-25": 70, "2025-10-26": 112}


def test_project_then_user_totals_equal_the_sum_of_their_groups(client_for, berlin_user, berlin_entries):
    body = summary(client_for(berlin_user), group="project", sub_group="user")
    assert body["group_by"] == ["project", "user"]
    assert body["seconds"] == 182 * 60 == sum(group["seconds"] for group in body["groups"])
    assert body["billable_seconds"] == 70 * 60 == sum(group["billable_seconds"] for group in body["groups"])
    for group in body["groups"]:
        assert group["seconds"] == sum(child["seconds"] for child in group["groups"])
        assert [child["label"] for child in group["groups"]] == ["Berta Berlin"]
        assert group["groups"][0]["key"] == str(berlin_user.uuid)
    assert [group["label"] for group in body["groups"]] == ["ALPHA — Alpha", "BETA — Beta", "No project"]


@pytest.mark.parametrize(
    ("mode", "lines"),
    [
        # Entries of 20, 50, 61, 7 and 44 minutes, rounded each to 15 minutes.
        ("up", [30, 60, 75, 15, 45]),
        ("down", [15, 45, 60, 0, 30]),
        ("nearest", [15, 45, 60, 0, 45]),
    ],
)
def test_with_rounding_the_total_is_the_sum_of_the_rounded_lines(client_for, berlin_user, berlin_entries, mode, lines):
    client = client_for(berlin_user)
    params = {"rounding": mode, "rounding_minutes": 15}
    body = summary(client, group="project", sub_group="user", **params)
    assert body["rounding"] == {"mode": mode, "minutes": 15}
    assert body["seconds"] == sum(lines) * 60
    assert body["seconds"] == sum(group["seconds"] for group in body["groups"])
    detailed = client.get(DETAILED, {**OCTOBER, **params}).json()["results"]
    assert sorted(row["seconds"] // 60 for row in detailed) == sorted(lines)
    assert sum(row["seconds"] for row in detailed) == body["seconds"]
    alpha = by_key(body["groups"])[str(berlin_entries["alpha"].uuid)]
    assert alpha["seconds"] == sum(lines[:2]) * 60  # the project's own lines, rounded each


def test_a_running_timer_counts_up_to_now(client_for, user):
    TimeEntryFactory(user=user, start=timezone.now() - timedelta(minutes=30), end=None)
    now = timezone.now()
    window = {"from": (now - timedelta(days=1)).isoformat(), "to": (now + timedelta(days=1)).isoformat()}
    body = client_for(user).get(SUMMARY, window).json()
    assert 30 * 60 <= body["seconds"] <= 31 * 60


def test_weeks_start_on_the_requesters_day_and_months_on_the_first(client_for, berlin_user, berlin_entries):
    client = client_for(berlin_user)
    monday_weeks = summary(client, group="week")
    assert [(g["key"], g["label"], g["seconds"] // 60) for g in monday_weeks["groups"]] == [
        ("2025-10-20", "2025-W43", 20 + 118),
        ("2025-10-27", "2025-W44", 44),
    ]
    UserSettings.objects.create(user=berlin_user, week_start="sunday")
    sunday_weeks = summary(client, group="week")
    assert [(g["key"], g["label"], g["seconds"] // 60) for g in sunday_weeks["groups"]] == [
        ("2025-10-19", "Week of 2025-10-19", 20),
        ("2025-10-26", "Week of 2025-10-26", 118 + 44),
    ]
    months = summary(client, group="month", sub_group="billable")
    assert [(g["key"], g["label"]) for g in months["groups"]] == [("2025-10-01", "October 2025")]
    assert [(c["key"], c["label"], c["seconds"] // 60) for c in months["groups"][0]["groups"]] == [
        (True, "Billable", 70),
        (False, "Not billable", 112),
    ]


def test_filters_take_public_ids_and_narrow_the_report(client_for, berlin_user, berlin_entries):
    client = client_for(berlin_user)
    alpha, beta = berlin_entries["alpha"], berlin_entries["beta"]
    assert summary(client, projects=f"{alpha.uuid},{beta.uuid}")["seconds"] == (70 + 68) * 60
    assert summary(client, projects=str(alpha.uuid))["seconds"] == 70 * 60
    assert summary(client, billable="false")["seconds"] == 112 * 60
    task = berlin_entries["entries"][0].task
    assert summary(client, tasks=str(task.uuid), group="task")["groups"][0]["label"] == f"{task.name} (ALPHA)"
    assert summary(client, projects=str(uuid4()))["groups"] == []


def test_focus_group_dimension_and_filter(client_for, user):
    link = GroupSessionFactory(group__name="Readers")
    session = link.session
    TimeEntryFactory(user=user, session=session, start=utc(2025, 10, 21, 9), end=utc(2025, 10, 21, 10))
    TimeEntryFactory(user=user, start=utc(2025, 10, 21, 11), end=utc(2025, 10, 21, 11, 30))
    client = client_for(user)
    body = summary(client, group="focus_group", sub_group="activity")
    assert [(g["key"], g["label"], g["seconds"]) for g in body["groups"]] == [
        (str(link.group.uuid), "Readers", 3600),
        (None, "No focus group", 1800),
    ]
    assert summary(client, group_id=str(link.group.uuid))["seconds"] == 3600
    assert summary(client, session=str(session.uuid))["seconds"] == 3600


# --- Visibility -----------------------------------------------------------------------------


def _work(person, day=21, hours=1):
    return TimeEntryFactory(user=person, start=utc(2025, 10, day, 8), end=utc(2025, 10, day, 8 + hours))


def test_a_user_sees_only_their_own_entries_and_naming_another_is_404(client_for, user, other_user):
    _work(user, hours=1)
    _work(other_user, hours=3)
    client = client_for(user)
    body = summary(client, group="user")
    assert [g["key"] for g in body["groups"]] == [str(user.uuid)]
    assert body["seconds"] == 3600
    refused = client.get(SUMMARY, {**OCTOBER, "users": str(other_user.uuid)})
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "user_not_found"
    assert client.get(SUMMARY, {**OCTOBER, "users": str(user.uuid)}).status_code == 200


def test_a_staff_member_gets_their_reports_figures_and_404_outside_their_team(client_for, team):
    manager, (ada, ben), outsider = team["manager"], team["reports"], team["outsider"]
    for hours, person in enumerate([manager, ada, ben, outsider], start=1):
        _work(person, hours=hours)
    client = client_for(manager)
    body = summary(client, group="user")
    assert {g["label"]: g["seconds"] // 3600 for g in body["groups"]} == {"Mona Manager": 1, "Ada": 2, "Ben": 3}
    only_reports = summary(client, group="user", users=f"{ada.uuid},{ben.uuid}")
    assert only_reports["seconds"] == 5 * 3600
    for path in (SUMMARY, DETAILED, WEEKLY):
        refused = client.get(path, {**OCTOBER, "users": f"{ada.uuid},{outsider.uuid}"})
        assert refused.status_code == 404, path
        assert str(outsider.uuid) in refused.json()["error"]["fields"]["users"][0]


def test_an_admin_sees_everyone(client_for, team):
    for person in [team["manager"], *team["reports"], team["outsider"]]:
        _work(person)
    body = summary(client_for(AdminFactory()), group="user")
    assert len(body["groups"]) == 4


# --- Input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group": "project", "sub_group": "project"}, "sub_group"),
        ({"group": "colour"}, "group"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"users": "not-a-uuid"}, "users"),
        ({"billable": "maybe"}, "billable"),
        ({"rounding": "sideways"}, "rounding"),
        ({"rounding": "up", "rounding_minutes": "0"}, "rounding_minutes"),
        ({"to": "2026-10-22T00:00:00Z"}, "to"),
        ({"from": "2025-10-20T00:00:00"}, "from"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_field(client_for, user, params, field):
    response = client_for(user).get(SUMMARY, {**OCTOBER, **params})
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_reports_need_authentication(api_client):
    for path in (SUMMARY, DETAILED, WEEKLY):
        assert api_client.get(path, OCTOBER).status_code == 401


# --- Detailed report ------------------------------------------------------------------------


def test_cursor_pages_walk_every_entry_once_forwards_and_backwards(client_for, user):
    start = utc(2025, 10, 21, 0)
    # Pairs of entries share a start (different users' would too): the id breaks the tie.
    for index in range(23):
        TimeEntryFactory(
            user=user,
            start=start + timedelta(hours=index // 2 * 2, minutes=index % 2 * 30),
            end=start + timedelta(hours=index // 2 * 2, minutes=index % 2 * 30 + 20),
        )
    client = client_for(user)
    seen, pages = [], []
    url, params = DETAILED, {**OCTOBER, "page_size": 5}
    while url:
        body = client.get(url, params).json()
        pages.append(body)
        seen += [row["id"] for row in body["results"]]
        url, params = body["next"], None
    assert len(seen) == len(set(seen)) == 23
    assert [len(page["results"]) for page in pages] == [5, 5, 5, 5, 3]
    starts = [row["start_utc"] for page in pages for row in page["results"]]
    assert starts == sorted(starts, reverse=True)
    assert pages[0]["previous"] is None
    back = client.get(pages[2]["previous"]).json()
    assert [row["id"] for row in back["results"]] == [row["id"] for row in pages[1]["results"]]
    assert client.get(back["previous"]).json()["previous"] is None


def test_a_detailed_row_has_what_a_person_reads(client_for, berlin_user, berlin_entries):
    body = client_for(berlin_user).get(DETAILED, OCTOBER).json()
    last = body["results"][0]
    assert last["date"] == "2025-10-27"
    assert last["project"] is None and last["task"] is None
    assert last["duration"] == last["seconds"] == 44 * 60
    assert last["user"] == {"id": str(berlin_user.uuid), "name": "Berta Berlin"}
    first = body["results"][-1]
    assert first["project"]["code"] == "ALPHA"
    assert first["start_utc"] == "2025-10-25T21:50:00Z"
    assert first["date"] == "2025-10-25"


def test_a_broken_cursor_is_a_400(client_for, user):
    response = client_for(user).get(DETAILED, {**OCTOBER, "cursor": "bm9wZQ"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_cursor"


def test_search_finds_words_in_activity_and_notes_by_prefix(client_for, user):
    for hour, (activity, notes) in enumerate(
        [("Weekly meeting", ""), ("Coding", "Fixed the export bug"), ("Review", "Meet Ann")], start=8
    ):
        start = utc(2025, 10, 21, hour)
        TimeEntryFactory(user=user, activity=activity, notes=notes, start=start, end=start + timedelta(minutes=30))
    client = client_for(user)

    def found(text):
        return sorted(row["activity"] for row in client.get(DETAILED, {**OCTOBER, "search": text}).json()["results"])

    assert found("meet") == ["Review", "Weekly meeting"]
    assert found("EXPORT bug") == ["Coding"]
    assert found("export meeting") == []
    assert found("  ") == ["Coding", "Review", "Weekly meeting"]


@pytest.mark.postgres
def test_the_search_expression_is_the_one_the_gin_index_holds(user):
    """The planner can only use tracking_entry_search_idx if the report's expression is the
    index's, character for character after parsing; with sequential scans off it must."""
    entries = TimeEntry.objects.alias(document=EntryDocument()).filter(document=prefix_query(["meeting"]))
    sql, params = entries.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "tracking_entry_search_idx" in plan, plan


# --- Weekly grid ----------------------------------------------------------------------------


def test_the_weekly_grid_has_a_row_per_user_and_project_and_a_column_per_day(client_for, team):
    manager, (ada, ben) = team["manager"], team["reports"]
    alpha, beta = ProjectFactory(code="ALPHA"), ProjectFactory(code="BETA")
    TimeEntryFactory(user=ada, project=alpha, start=utc(2025, 10, 20, 8), end=utc(2025, 10, 20, 10))  # Mon
    TimeEntryFactory(user=ada, project=alpha, start=utc(2025, 10, 22, 8), end=utc(2025, 10, 22, 9))  # Wed
    TimeEntryFactory(user=ada, project=beta, start=utc(2025, 10, 26, 8), end=utc(2025, 10, 26, 8, 30))  # Sun
    TimeEntryFactory(user=ben, start=utc(2025, 10, 21, 8), end=utc(2025, 10, 21, 12))  # Tue, no project
    TimeEntryFactory(user=ben, start=utc(2025, 10, 27, 8), end=utc(2025, 10, 27, 12))  # next week
    body = client_for(manager).get(WEEKLY, {"week": "2025-W43", "timezone": "UTC"}).json()
    assert body["week"] == "2025-W43"
    assert body["days"][0] == "2025-10-20" and body["days"][-1] == "2025-10-26"
    rows = [
        (row["user"]["name"], (row["project"] or {}).get("code"), row["days"], row["seconds"]) for row in body["rows"]
    ]
    assert rows == [
        ("Ada", "ALPHA", [7200, 0, 3600, 0, 0, 0, 0], 10800),
        ("Ada", "BETA", [0, 0, 0, 0, 0, 0, 1800], 1800),
        ("Ben", None, [0, 14400, 0, 0, 0, 0, 0], 14400),
    ]
    assert body["totals"] == {"days": [7200, 14400, 3600, 0, 0, 0, 1800], "seconds": 27000}
    only_ben = client_for(manager).get(WEEKLY, {"week": "2025-W43", "users": str(ben.uuid)}).json()
    assert [row["user"]["name"] for row in only_ben["rows"]] == ["Ben"]


def test_the_weekly_grid_defaults_to_this_week_and_refuses_a_bad_week(client_for, user):
    TimeEntryFactory(user=user, start=timezone.now() - timedelta(minutes=5), end=timezone.now() - timedelta(minutes=1))
    client = client_for(user)
    body = client.get(WEEKLY).json()
    year, week, _ = timezone.now().isocalendar()
    assert body["week"] == f"{year}-W{week:02d}"
    assert body["totals"]["seconds"] == 240
    for bad in ("2025-W60", "2025-43", "last week"):
        response = client.get(WEEKLY, {"week": bad})
        assert response.status_code == 400
        assert "week" in response.json()["error"]["fields"]


def test_a_report_is_one_query_whatever_the_number_of_entries(client_for, django_assert_num_queries):
    person = UserFactory()
    client = client_for(person)
    client.get(SUMMARY, OCTOBER)  # the authentication's own queries are warm now
    for day in range(20, 27):
        for hour, project in enumerate(ProjectFactory.create_batch(3), start=8):
            start = utc(2025, 10, day, hour)
            TimeEntryFactory(user=person, project=project, start=start, end=start + timedelta(hours=1))
    # The signed-in user comes from the cache; the report is one aggregate.
    with django_assert_num_queries(1):
        body = client.get(SUMMARY, {**OCTOBER, "group": "day", "sub_group": "project"}).json()
    assert body["seconds"] == 21 * 3600
