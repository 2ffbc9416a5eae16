"""The running timer: start, stop, current, the default project."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import UserSettings
from tracking.models import TimeEntry
from tracking.tests.factories import ProjectFactory, SessionFactory, TaskFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/time-entries/"


def test_start_current_stop(client_for, user):
    client = client_for(user)
    assert client.get(f"{URL}current/").status_code == 204

    started = client.post(f"{URL}start/", {"activity": "Writing"})
    assert started.status_code == 201, started.content
    body = started.json()
    assert body["running"] is True
    assert body["end_utc"] is None
    assert body["start_utc"].endswith("Z")

    current = client.get(f"{URL}current/")
    assert current.status_code == 200
    assert current.json()["id"] == body["id"]

    stopped = client.post(f"{URL}{body['id']}/stop/")
    assert stopped.status_code == 200
    assert stopped.json()["running"] is False
    assert stopped.json()["end_utc"] is not None
    assert client.get(f"{URL}current/").status_code == 204
    assert client.post(f"{URL}{body['id']}/stop/").json()["error"]["code"] == "not_running"


def test_second_start_is_409_naming_the_running_entry(client_for, user):
    client = client_for(user)
    first = client.post(f"{URL}start/").json()
    second = client.post(f"{URL}start/")
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "timer_running"
    assert second.json()["error"]["running_entry"] == first["id"]
    assert TimeEntry.objects.filter(user=user).count() == 1


def test_the_database_allows_one_running_entry_per_user(user):
    """Past the service, the partial unique index still refuses a second running row."""
    from django.db import IntegrityError, transaction

    TimeEntryFactory(user=user, start=timezone.now() - timedelta(hours=3), end=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntryFactory(user=user, start=timezone.now() - timedelta(hours=1), end=None)


def test_a_sessions_running_lap_is_the_timer(client_for, user):
    session = SessionFactory(owner=user)
    client = client_for(user)
    assert client.post(f"/api/v1/sessions/{session.uuid}/start/").status_code == 200
    refused = client.post(f"{URL}start/")
    assert refused.status_code == 409
    assert str(session.uuid) in refused.json()["error"]["message"]
    current = client.get(f"{URL}current/").json()
    assert current["session"] == str(session.uuid)


def test_timer_uses_the_default_project_unless_one_is_given(client_for, user):
    default, other = ProjectFactory(code="DEF", billable=False), ProjectFactory(code="OTH")
    UserSettings.objects.create(user=user, default_project=default.uuid)
    client = client_for(user)
    started = client.post(f"{URL}start/").json()
    assert (started["project_code"], started["billable"]) == ("DEF", False)
    client.post(f"{URL}{started['id']}/stop/")
    explicit = client.post(f"{URL}start/", {"project_code": "oth"}).json()
    assert explicit["project"] == str(other.uuid)


def test_an_archived_default_project_is_ignored(client_for, user):
    project = ProjectFactory(archived=True)
    UserSettings.objects.create(user=user, default_project=project.uuid)
    started = client_for(user).post(f"{URL}start/")
    assert started.status_code == 201
    assert started.json()["project"] is None


def test_start_with_a_task_and_a_past_start(client_for, user):
    task = TaskFactory()
    start = (timezone.now() - timedelta(minutes=30)).isoformat()
    response = client_for(user).post(f"{URL}start/", {"task": str(task.uuid), "start_utc": start})
    assert response.status_code == 201
    assert response.json()["project"] == str(task.project.uuid)
    assert response.json()["duration"] >= 1800


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"start_utc": "2025-09-19T14:00:00"}, "start_utc"),
        ({"start_utc": "2999-09-19T14:00:00Z"}, "start_utc"),
        ({"project_code": "NOPE"}, "project_code"),
        ({"task": "nope"}, "task"),
    ],
)
def test_bad_starts_are_400(client_for, user, payload, field):
    response = client_for(user).post(f"{URL}start/", payload)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not TimeEntry.objects.exists()


def test_start_that_overlaps_a_finished_entry_is_409(client_for, user):
    now = timezone.now()
    TimeEntryFactory(user=user, start=now - timedelta(hours=1), end=now + timedelta(seconds=120))
    assert client_for(user).post(f"{URL}start/").status_code == 409


def test_a_timer_stopped_after_the_maximum_is_capped(client_for, user, settings):
    settings.TIME_ENTRY_MAX_HOURS = 2
    entry = TimeEntryFactory(user=user, start=timezone.now() - timedelta(hours=5), end=None)
    response = client_for(user).post(f"{URL}{entry.uuid}/stop/")
    assert response.status_code == 200
    assert response.json()["duration"] == 2 * 3600


def test_stopping_a_sessions_lap_as_an_entry_pauses_the_session(client_for, user):
    session = SessionFactory(owner=user)
    client = client_for(user)
    client.post(f"/api/v1/sessions/{session.uuid}/start/")
    lap = client.get(f"{URL}current/").json()
    assert client.post(f"{URL}{lap['id']}/stop/").status_code == 200
    assert client.get(f"/api/v1/sessions/{session.uuid}/").json()["status"] == "paused"
