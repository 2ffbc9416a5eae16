"""A write's answer is built from the entry serializer whose fields were built once
(tracking.api.views.written); it must stay what TimeEntryWriteOutput answers. A single new row is
inserted by the gate's own INSERT (gate._insert_one); it must write what Model.save() writes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from accounts.tests.factories import UserFactory
from config.testing import bearer_client
from tracking.api.serializers import TimeEntryWriteOutput
from tracking.compliance import ComplianceGuard
from tracking.models import TimeEntry
from tracking.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def expected(entry: TimeEntry, now) -> bytes:
    guard = ComplianceGuard(user=entry.user, intervals=[(entry.start, entry.end)], now=now)
    guard.__exit__(None, None, None)
    return JSONRenderer().render(TimeEntryWriteOutput(entry, context={"warnings": guard.warnings}).data)


def assert_stored_alike(ours: TimeEntry, reference: TimeEntry) -> None:
    """Both rows hold the same values in every column but their identity and `updated_at`."""
    rows = [TimeEntry.objects.values().get(pk=entry.pk) for entry in (ours, reference)]
    for row in rows:
        for column in ("id", "uuid", "user_id", "updated_at"):
            row.pop(column)
    assert rows[0] == rows[1]


@pytest.mark.parametrize("daily_hours", [0, 1], ids=["no warning", "a warning"])
def test_a_create_answers_what_the_write_serializer_answers(user, daily_hours):
    project = ProjectFactory(code="OUT")
    now = timezone.now().replace(microsecond=0)
    body = {
        "start_utc": (now - timedelta(hours=4)).isoformat(),
        "end_utc": (now - timedelta(hours=2)).isoformat(),
        "project_code": "out",
        "activity": "naïve café \u2028",
    }
    with override_settings(WORKING_TIME_MAX_DAILY_HOURS=daily_hours):
        response = bearer_client(user).post("/api/v1/time-entries/", body, format="json")
        assert response.status_code == 201
        entry = TimeEntry.objects.get(uuid=response.json()["id"])
        assert entry.project == project
        assert response.content == expected(entry, timezone.now())
    assert bool(response.json()["warnings"]) == bool(daily_hours)


def test_a_stop_answers_what_the_write_serializer_answers(user):
    client = bearer_client(user)
    started = client.post("/api/v1/time-entries/start/", {}, format="json")
    assert started.status_code == 201
    stopped = client.post(f"/api/v1/time-entries/{started.json()['id']}/stop/")
    assert stopped.status_code == 200
    entry = TimeEntry.objects.get(uuid=started.json()["id"])
    assert stopped.content == expected(entry, timezone.now())


@pytest.mark.parametrize("running", [False, True], ids=["finished", "running"])
def test_a_new_entry_is_written_as_save_writes_it(user, running):
    """The gate inserts a single new row with its own INSERT (gate._insert_one); every column
    must be what Model.save() writes."""
    from tracking.services.gate import _insert_one

    project = ProjectFactory(code="COL")
    now = timezone.now()
    values = {
        "user": user,
        "start": now - timedelta(hours=2, microseconds=17),
        "end": None if running else now - timedelta(hours=1),
        "project": project,
        "activity": "naïve",
        "notes": "a\\nb",
        "billable": True,
        "created_at": now,
    }
    # The reference row is someone else's: one user has one running entry at most. On PostgreSQL
    # the gate inserts a single row with its overlap check in the same statement.
    ours, django = TimeEntry(**values), TimeEntry(**{**values, "user": UserFactory()})
    assert _insert_one(ours, unless_conflicting=connection.vendor == "postgresql") is True
    django.save(force_insert=True)
    assert ours.pk and not ours._state.adding
    assert_stored_alike(ours, django)
    assert TimeEntry.objects.get(pk=ours.pk).user == user
    fresh = TimeEntry.objects.get(pk=ours.pk)
    assert (fresh.uuid, fresh.start, fresh.end, fresh.created_at) == (ours.uuid, ours.start, ours.end, ours.created_at)
    assert abs(fresh.updated_at - now) < timedelta(seconds=5)


def test_the_projects_a_write_names_are_read_as_the_orm_reads_them():
    """gate._projects_named reads the named projects with its own query on PostgreSQL; each must
    equal the ORM's object field by field, and a project named twice (id and code) comes once."""
    from tracking.services.gate import _projects_named

    archived = ProjectFactory(code="OLD", archived=True, billable=False, color="#123456")
    current = ProjectFactory(code="NOW")
    ProjectFactory(code="OTHER")
    found = _projects_named({archived.uuid, current.uuid}, {"NOW"})
    assert sorted(p.code for p in found) == ["NOW", "OLD"]
    fields = [f.attname for f in TimeEntry._meta.get_field("project").related_model._meta.concrete_fields]
    for project in found:
        reference = type(project).objects.get(pk=project.pk)
        assert [getattr(project, f) for f in fields] == [getattr(reference, f) for f in fields]
        assert not project._state.adding
    assert _projects_named(set(), {"NOPE"}) == []


def test_closing_a_running_entry_writes_what_save_writes(user):
    """A close (timer stop, a session's laps) writes its end with its own UPDATE (gate._write_end);
    every column must be what Model.save() writes for the same close."""
    from tracking.services.gate import _write_end

    now = timezone.now()
    values = {"start": now - timedelta(hours=2), "end": None, "project": ProjectFactory(code="END"), "created_at": now}
    ours = TimeEntry.objects.create(user=user, **values)
    django = TimeEntry.objects.create(user=UserFactory(), **values)
    for entry in (ours, django):
        entry.end = now - timedelta(minutes=3, microseconds=41)
    _write_end(ours)
    django.save()
    assert_stored_alike(ours, django)
    fresh = TimeEntry.objects.get(pk=ours.pk)
    assert fresh.end == ours.end and fresh.updated_at == ours.updated_at


def test_an_update_of_a_lap_with_a_task_answers_what_the_write_serializer_answers(user):
    from tracking.tests.factories import SessionFactory, TaskFactory, TimeEntryFactory

    task = TaskFactory(project=ProjectFactory(code="TSK"))
    session = SessionFactory(owner=user)
    now = timezone.now().replace(microsecond=0)
    lap = TimeEntryFactory(
        user=user,
        session=session,
        project=task.project,
        task=task,
        start=now - timedelta(hours=3),
        end=now - timedelta(hours=2),
    )
    response = bearer_client(user).patch(f"/api/v1/time-entries/{lap.uuid}/", {"notes": "ü"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["task"] == str(task.uuid) and body["session"] == str(session.uuid)
    assert response.content == expected(TimeEntry.objects.get(pk=lap.pk), timezone.now())


@pytest.mark.postgres
@pytest.mark.parametrize("running", [False, True], ids=["finished", "running"])
def test_the_checked_insert_writes_nothing_over_a_stored_entry(user, running):
    """gate._insert_one(unless_conflicting=True): the INSERT carries rules' one-step-back overlap
    check, so a row that overlaps a stored exclusive entry is not written (False); one that only
    touches it is."""
    from tracking.services.gate import _insert_one

    now = timezone.now()
    TimeEntry.objects.create(user=user, start=now - timedelta(hours=5), end=now - timedelta(hours=4), created_at=now)
    clash = TimeEntry(
        user=user,
        start=now - timedelta(hours=4, minutes=30),
        end=None if running else now - timedelta(hours=3),
        created_at=now,
    )
    assert _insert_one(clash, unless_conflicting=True) is False and clash.pk is None
    assert TimeEntry.objects.filter(user=user).count() == 1
    touching = TimeEntry(
        user=user, start=now - timedelta(hours=4), end=None if running else now - timedelta(hours=3), created_at=now
    )
    assert _insert_one(touching, unless_conflicting=True) is True and touching.pk is not None
    assert TimeEntry.objects.filter(user=user).count() == 2


@pytest.mark.postgres
def test_the_checked_insert_of_a_timer_writes_nothing_while_another_runs(user):
    """An open-ended row is also refused by a running entry that the overlap rule does not see
    (written while overlaps were allowed, so not exclusive); a finished row beside it is not."""
    from tracking.services.gate import _insert_one

    now = timezone.now()
    TimeEntry.objects.create(user=user, start=now - timedelta(hours=1), end=None, exclusive=False, created_at=now)
    timer = TimeEntry(user=user, start=now - timedelta(hours=5), end=None, created_at=now)
    assert _insert_one(timer, unless_conflicting=True) is False and timer.pk is None
    finished = TimeEntry(user=user, start=now - timedelta(hours=5), end=now - timedelta(hours=4), created_at=now)
    assert _insert_one(finished, unless_conflicting=True) is True
