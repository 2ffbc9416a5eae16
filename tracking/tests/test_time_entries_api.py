"""Time entries over HTTP: the Logger tour, validation, filters and visibility."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import AdminFactory, StaffFactory, UserFactory
from audit.models import AuditEvent
from config.testing import OWNED_OBJECT_MATRIX, matrix_people
from tracking.models import TimeEntry
from tracking.tests.factories import ProjectFactory, SessionFactory, TaskFactory, TimeEntryFactory, at

pytestmark = pytest.mark.django_db

URL = "/api/v1/time-entries/"


def detail(entry):
    return f"{URL}{entry.uuid}/"


def test_logger_tour_list_a_week_create_with_project_code_patch_end_delete(client_for, user):
    ProjectFactory(code="BASEBALL")
    client = client_for(user)

    created = client.post(
        URL,
        {
            "project_code": "BASEBALL",
            "activity": "Design",
            "start_utc": "2025-09-19T14:00:00Z",
            "end_utc": "2025-09-19T16:00:00Z",
            "notes": "[prio:normal] Initial wireframe",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["project_code"] == "BASEBALL"
    assert body["start_utc"] == "2025-09-19T14:00:00Z"
    assert body["duration"] == 7200
    assert body["billable"] is True  # the project's default
    assert body["warnings"] == []

    week = client.get(f"{URL}?from=2025-09-15T00:00:00Z&to=2025-09-22T00:00:00Z")
    assert [row["id"] for row in week.json()["results"]] == [body["id"]]
    assert client.get(f"{URL}?from=2025-09-22T00:00:00Z&to=2025-09-29T00:00:00Z").json()["count"] == 0

    patched = client.patch(f"{URL}{body['id']}", {"end_utc": "2025-09-19T17:00:00Z"})
    assert patched.status_code == 200
    assert patched.json()["duration"] == 3 * 3600

    assert client.delete(f"{URL}{body['id']}").status_code == 204
    assert not TimeEntry.objects.exists()


def test_window_returns_entries_overlapping_it(client_for, user):
    inside = TimeEntryFactory(user=user, start=at(1, 9), end=at(1, 10))
    across_start = TimeEntryFactory(user=user, start=at(0, -1), end=at(0, 1))
    TimeEntryFactory(user=user, start=at(-1, 8), end=at(-1, 9))  # before
    TimeEntryFactory(user=user, start=at(7, 0), end=at(7, 1))  # starts exactly at `to`
    running = TimeEntryFactory(user=user, start=timezone.now() - timedelta(hours=1), end=None)

    response = client_for(user).get(f"{URL}?from=2025-09-15T00:00:00Z&to=2025-09-22T00:00:00Z")
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {str(inside.uuid), str(across_start.uuid)}

    now_window = client_for(user).get(URL, {"from": (timezone.now() - timedelta(minutes=5)).isoformat()})
    assert [row["id"] for row in now_window.json()["results"]] == [str(running.uuid)]


def test_offsets_are_understood_even_with_an_unencoded_plus(client_for, user):
    entry = TimeEntryFactory(user=user, start=at(0, 9), end=at(0, 10))
    client = client_for(user)
    # 11:00+02:00 is 09:00Z: the entry ends after it.
    assert client.get(URL, {"from": "2025-09-15T10:59:00+02:00"}).json()["count"] == 1
    assert client.get(f"{URL}?from=2025-09-15T12:00:00+02:00").json()["count"] == 0  # '+' arrives as a space
    assert client.get(f"{URL}?from=2025-09-15T10:59:00%2B02:00").json()["results"][0]["id"] == str(entry.uuid)


def test_filters_project_task_billable_session_running_and_ordering(client_for, user):
    project = ProjectFactory(code="ACME")
    task = TaskFactory(project=project)
    session = SessionFactory(owner=user)
    a = TimeEntryFactory(user=user, start=at(0, 9), end=at(0, 10), project=project, task=task, billable=True)
    b = TimeEntryFactory(user=user, start=at(0, 11), end=at(0, 12), session=session)
    c = TimeEntryFactory(user=user, start=timezone.now() - timedelta(minutes=5), end=None)
    client = client_for(user)

    def ids(query):
        response = client.get(URL + query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(f"?project={project.uuid}") == [str(a.uuid)]
    assert ids("?project_code=acme") == [str(a.uuid)]
    assert ids(f"?task={task.uuid}") == [str(a.uuid)]
    assert ids("?billable=true") == [str(a.uuid)]
    assert ids(f"?session={session.uuid}") == [str(b.uuid)]
    assert ids("?running=true") == [str(c.uuid)]
    assert ids("?running=false&ordering=start") == [str(a.uuid), str(b.uuid)]
    assert ids("?ordering=-start") == [str(c.uuid), str(b.uuid), str(a.uuid)]
    assert ids("?ordering=created")[0] == str(a.uuid)


@pytest.mark.parametrize(
    "query",
    [
        "?from=2025-09-15T00:00:00",  # naive
        "?from=yesterday",
        "?from=2025-13-45T00:00:00Z",
        "?to=0001-01-01T00:00:00Z",
        "?from=2025-09-22T00:00:00Z&to=2025-09-15T00:00:00Z",
        "?project=not-a-uuid",
        "?running=maybe",
        "?ordering=password",
        "?page_size=0",
        "?page_size=100000",
        "?page=abc",
    ],
)
def test_bad_list_queries_are_4xx_json(client_for, user, query):
    TimeEntryFactory(user=user)
    response = client_for(user).get(URL + query)
    assert 400 <= response.status_code < 500, (query, response.status_code)
    assert "error" in response.json()


BAD_BODIES = [
    ({"start_utc": "2025-09-19T14:00:00", "end_utc": "2025-09-19T16:00:00Z"}, "start_utc"),
    ({"start_utc": "2025-09-19T14:00:00Z", "end_utc": "2025-09-19T13:00:00Z"}, "end_utc"),
    ({"start_utc": "2025-09-19T14:00:00Z", "end_utc": "2025-09-19T14:00:00Z"}, "end_utc"),
    ({"start_utc": "2025-09-19T14:00:00Z", "end_utc": "2025-09-20T14:00:01Z"}, "end_utc"),
    ({"start_utc": "2999-01-01T00:00:00Z", "end_utc": "2999-01-01T01:00:00Z"}, "start_utc"),
    ({"start_utc": "9999-12-31T23:00:00Z"}, "start_utc"),
    ({"start_utc": "0001-01-01T00:00:00Z", "end_utc": "0001-01-01T01:00:00Z"}, "start_utc"),
    ({"start_utc": 12345, "end_utc": None}, "start_utc"),
    ({"start_utc": ["2025-09-19T14:00:00Z"]}, "start_utc"),
    ({"end_utc": "2025-09-19T16:00:00Z"}, "start_utc"),
    ({"start_utc": "2025-09-19T14:00:00Z", "end_utc": "2025-09-19T15:00:00Z", "project_code": "NOPE"}, "project_code"),
    ({"start_utc": "2025-09-19T14:00:00Z", "end_utc": "2025-09-19T15:00:00Z", "project": "123"}, "project"),
    (
        {
            "start_utc": "2025-09-19T14:00:00Z",
            "end_utc": "2025-09-19T15:00:00Z",
            "project": "6f1c1f7e-3b1a-4f0e-9a55-0d4c3d2b1a00",
        },
        "project",
    ),
    (
        {
            "start_utc": "2025-09-19T14:00:00Z",
            "end_utc": "2025-09-19T15:00:00Z",
            "task": "6f1c1f7e-3b1a-4f0e-9a55-0d4c3d2b1a00",
        },
        "task",
    ),
    ({"start_utc": "2025-09-19T14:00:00Z", "end_utc": "2025-09-19T15:00:00Z", "activity": "x" * 201}, "activity"),
    ({"start_utc": "2025-09-19T14:00:00Z", "end_utc": "2025-09-19T15:00:00Z", "billable": "perhaps"}, "billable"),
    ({"start_utc": "2025-09-19T14:00:00Z", "end_utc": "2025-09-19T15:00:00Z", "notes": {"a": 1}}, "notes"),
]


@pytest.mark.parametrize(("payload", "field"), BAD_BODIES)
def test_bad_entries_are_400_naming_the_field_and_change_nothing(client_for, user, payload, field):
    response = client_for(user).post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not TimeEntry.objects.exists()


def test_a_running_entry_cannot_have_started_beyond_the_maximum(client_for, user):
    start = (timezone.now() - timedelta(hours=25)).isoformat()
    response = client_for(user).post(URL, {"start_utc": start})
    assert response.status_code == 400
    assert "start_utc" in response.json()["error"]["fields"]


def test_small_clock_skew_is_accepted(client_for, user, settings):
    settings.TIME_ENTRY_FUTURE_SKEW_SECONDS = 300
    end = timezone.now() + timedelta(seconds=60)
    response = client_for(user).post(
        URL, {"start_utc": (end - timedelta(hours=1)).isoformat(), "end_utc": end.isoformat()}
    )
    assert response.status_code == 201


def test_non_json_and_junk_bodies_are_4xx(client_for, user):
    client = client_for(user)
    assert client.post(URL, "{not json", content_type="application/json").status_code == 400
    assert client.post(URL, [1, 2], format="json").status_code == 400
    assert client.post(URL, "x", content_type="text/plain").status_code == 415
    entry = TimeEntryFactory(user=user)
    assert client.patch(detail(entry), {"end_utc": "soon"}).status_code == 400
    assert client.get(f"{URL}not-a-uuid/").status_code == 404


def test_overlap_is_409_naming_the_other_entry_and_nothing_changes(client_for, user):
    other = TimeEntryFactory(user=user, start=at(4, 14), end=at(4, 16))
    response = client_for(user).post(URL, {"start_utc": "2025-09-19T15:00:00Z", "end_utc": "2025-09-19T17:00:00Z"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "overlap"
    assert str(other.uuid) in error["message"]
    assert error["conflicting_entry"] == str(other.uuid)
    assert TimeEntry.objects.count() == 1


def test_touching_entries_do_not_overlap_and_other_users_never_conflict(client_for, user, other_user):
    TimeEntryFactory(user=user, start=at(4, 14), end=at(4, 16))
    TimeEntryFactory(user=other_user, start=at(4, 16), end=at(4, 18))
    response = client_for(user).post(URL, {"start_utc": "2025-09-19T16:00:00Z", "end_utc": "2025-09-19T18:00:00Z"})
    assert response.status_code == 201


def test_overlap_with_a_running_timer_is_refused(client_for, user):
    running = TimeEntryFactory(user=user, start=timezone.now() - timedelta(hours=2), end=None)
    start = timezone.now() - timedelta(hours=1)
    response = client_for(user).post(
        URL, {"start_utc": start.isoformat(), "end_utc": (start + timedelta(minutes=30)).isoformat()}
    )
    assert response.status_code == 409
    assert response.json()["error"]["conflicting_entry"] == str(running.uuid)


def test_patch_into_an_overlap_is_409_and_keeps_the_entry(client_for, user):
    TimeEntryFactory(user=user, start=at(0, 9), end=at(0, 10))
    mine = TimeEntryFactory(user=user, start=at(0, 11), end=at(0, 12))
    response = client_for(user).patch(detail(mine), {"start_utc": "2025-09-15T09:30:00Z"})
    assert response.status_code == 409
    mine.refresh_from_db()
    assert mine.start == at(0, 11)


def test_setting_allows_overlaps_and_such_rows_never_block(client_for, user, settings):
    TimeEntryFactory(user=user, start=at(0, 9), end=at(0, 10))
    settings.TIME_ENTRY_ALLOW_OVERLAP = True
    client = client_for(user)
    loose = client.post(URL, {"start_utc": "2025-09-15T09:30:00Z", "end_utc": "2025-09-15T11:00:00Z"})
    assert loose.status_code == 201
    assert TimeEntry.objects.get(uuid=loose.json()["id"]).exclusive is False
    settings.TIME_ENTRY_ALLOW_OVERLAP = False
    # The loose row does not block a strict one; the strict row still blocks.
    assert client.post(URL, {"start_utc": "2025-09-15T10:00:00Z", "end_utc": "2025-09-15T10:30:00Z"}).status_code == 201
    assert client.post(URL, {"start_utc": "2025-09-15T09:15:00Z", "end_utc": "2025-09-15T09:20:00Z"}).status_code == 409


def test_a_loose_running_timer_still_blocks_the_next_timer(client_for, user, settings):
    settings.TIME_ENTRY_ALLOW_OVERLAP = True
    client = client_for(user)
    now = timezone.now().replace(microsecond=0)
    loose = client.post(URL, {"start_utc": (now - timedelta(hours=1)).isoformat()})
    assert loose.status_code == 201
    settings.TIME_ENTRY_ALLOW_OVERLAP = False
    response = client.post(URL, {"start_utc": (now - timedelta(hours=3)).isoformat()})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "timer_running"
    assert response.json()["error"]["running_entry"] == loose.json()["id"]
    assert TimeEntry.objects.filter(user=user).count() == 1


def test_archived_project_refuses_new_entries_with_409(client_for, user):
    ProjectFactory(code="OLD", archived=True)
    response = client_for(user).post(
        URL, {"project_code": "OLD", "start_utc": "2025-09-19T14:00:00Z", "end_utc": "2025-09-19T15:00:00Z"}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "project_archived"
    assert not TimeEntry.objects.exists()


def test_existing_entries_of_an_archived_project_stay_editable(client_for, user):
    project = ProjectFactory(archived=True)
    entry = TimeEntryFactory(user=user, project=project)
    response = client_for(user).patch(detail(entry), {"notes": "still mine"})
    assert response.status_code == 200
    assert response.json()["project"] == str(project.uuid)


def test_task_sets_its_project_and_must_match_a_given_one(client_for, user):
    task = TaskFactory()
    client = client_for(user)
    body = {"start_utc": "2025-09-19T14:00:00Z", "end_utc": "2025-09-19T15:00:00Z", "task": str(task.uuid)}
    response = client.post(URL, body)
    assert response.status_code == 201
    assert response.json()["project"] == str(task.project.uuid)
    mismatch = client.post(
        URL,
        {
            **body,
            "start_utc": "2025-09-19T16:00:00Z",
            "end_utc": "2025-09-19T17:00:00Z",
            "project": str(ProjectFactory().uuid),
        },
    )
    assert mismatch.status_code == 400
    assert "task" in mismatch.json()["error"]["fields"]


def test_patch_cannot_reopen_a_finished_entry(client_for, user):
    entry = TimeEntryFactory(user=user)
    response = client_for(user).patch(detail(entry), {"end_utc": None}, format="json")
    assert response.status_code == 400
    entry.refresh_from_db()
    assert entry.end is not None


def test_changing_the_project_is_audited(client_for, user):
    first, second = ProjectFactory(code="ONE"), ProjectFactory(code="TWO")
    entry = TimeEntryFactory(user=user, project=first)
    assert client_for(user).patch(detail(entry), {"project_code": "two"}).status_code == 200
    event = AuditEvent.objects.get(action="time_entry.reassign")
    assert event.changes == {"project": ["ONE", "TWO"]}
    assert second.entries.count() == 1
    # A plain edit by the owner is not audited.
    client_for(user).patch(detail(entry), {"notes": "x"})
    assert AuditEvent.objects.filter(target_id=str(entry.uuid)).count() == 1


def test_admin_writes_for_another_user_and_that_is_audited(client_for, admin_user, user):
    client = client_for(admin_user)
    created = client.post(
        URL, {"user": str(user.uuid), "start_utc": "2025-09-19T14:00:00Z", "end_utc": "2025-09-19T15:00:00Z"}
    )
    assert created.status_code == 201
    assert created.json()["user"] == str(user.uuid)
    entry_url = f"{URL}{created.json()['id']}/"
    assert client.patch(entry_url, {"notes": "fixed by admin"}).status_code == 200
    assert client.delete(entry_url).status_code == 204
    actions = list(
        AuditEvent.objects.filter(actor=admin_user).values_list("action", flat=True).order_by("created_at", "id")
    )
    assert actions == ["time_entry.create_for_user", "time_entry.update", "time_entry.delete"]


def test_only_admin_may_pass_user(client_for, user, other_user, staff):
    body = {"user": str(other_user.uuid), "start_utc": "2025-09-19T14:00:00Z", "end_utc": "2025-09-19T15:00:00Z"}
    assert client_for(user).post(URL, body).status_code == 403
    assert client_for(staff).post(URL, body).status_code == 403
    unknown = client_for(AdminFactory()).post(URL, {**body, "user": "6f1c1f7e-3b1a-4f0e-9a55-0d4c3d2b1a00"})
    assert unknown.status_code == 400
    assert "user" in unknown.json()["error"]["fields"]
    assert not TimeEntry.objects.exists()


@OWNED_OBJECT_MATRIX
def test_time_entry_permission_matrix(api_client, client_for, who, get, write, delete):
    people = matrix_people()
    entry = TimeEntryFactory(user=people["owner"])
    client = api_client if who == "anonymous" else client_for(people[who])
    assert client.get(detail(entry)).status_code == get
    assert client.patch(detail(entry), {"notes": "changed"}).status_code == write
    assert client.post(f"{detail(entry)}stop/").status_code in {write, 409}
    assert client.delete(detail(entry)).status_code == delete
    if delete != 204:
        entry.refresh_from_db()
        assert entry.notes == ""  # nothing was written by someone who may not write


def test_lists_are_scoped_by_role(client_for):
    manager = StaffFactory()
    report = UserFactory(manager=manager)
    stranger = UserFactory()
    TimeEntryFactory(user=report)
    TimeEntryFactory(user=stranger)
    TimeEntryFactory(user=manager)
    assert client_for(report).get(URL).json()["count"] == 1
    assert client_for(manager).get(URL).json()["count"] == 2
    assert client_for(manager).get(f"{URL}?user={report.uuid}").json()["count"] == 1
    assert client_for(AdminFactory()).get(URL).json()["count"] == 3
    assert client_for(stranger).get(f"{URL}?user={report.uuid}").json()["count"] == 0


def test_entry_list_pages_follow_the_page_size(client_for, user):
    project = ProjectFactory()
    task = TaskFactory(project=project)
    session = SessionFactory(owner=user)
    for _ in range(30):
        TimeEntryFactory(user=user, project=project, task=task, session=session)
    client = client_for(user)
    small = client.get(f"{URL}?page_size=5&from=2025-09-01T00:00:00Z&to=2026-01-01T00:00:00Z")
    large = client.get(f"{URL}?page_size=50&from=2025-09-01T00:00:00Z&to=2026-01-01T00:00:00Z")
    assert len(small.json()["results"]) == 5
    assert len(large.json()["results"]) == 30


def test_window_query_uses_the_user_start_index(user):
    """The list's window filter is `user = X AND start < to AND (end > from OR end IS NULL)`,
    which the (user, start) index answers on both databases. (PostgreSQL would pick a sequential
    scan for a table this small, so the test forbids that to see which index it would use.)"""
    from django.db import connection

    from tracking.selectors import time_entry_list

    TimeEntryFactory.create_batch(3, user=user)
    queryset = time_entry_list(actor=user).filter(start__lt=at(7, 0)).filter(end__gt=at(0, 0))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
    plan = queryset.explain()
    assert "tracking_entry_user_start_idx" in plan, plan


def test_patch_times_are_checked_but_old_entries_stay_editable(client_for, user, settings):
    entry = TimeEntryFactory(user=user, start=at(0, 6), end=at(0, 18))
    settings.TIME_ENTRY_MAX_HOURS = 10
    client = client_for(user)
    assert client.patch(detail(entry), {"notes": "12 h, from before the limit"}).status_code == 200
    too_long = client.patch(detail(entry), {"end_utc": "2025-09-15T18:30:00Z"})
    assert too_long.status_code == 400 and "end_utc" in too_long.json()["error"]["fields"]
    backwards = client.patch(detail(entry), {"start_utc": "2025-09-15T19:00:00Z"})
    assert backwards.status_code == 400
    entry.refresh_from_db()
    assert (entry.start, entry.end, entry.notes) == (at(0, 6), at(0, 18), "12 h, from before the limit")
