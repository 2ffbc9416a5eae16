"""The staff console for tracking, without a browser: pages load, STAFF see only their reports'
data read-only, and changes go through the services."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from tracking.models import Project, SessionStatus, TimeEntry
from tracking.tests.factories import ProjectFactory, SessionFactory, TaskFactory, TimeEntryFactory, at

pytestmark = pytest.mark.django_db


def console(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_admin_pages_load(admin_user):
    project = ProjectFactory()
    task = TaskFactory(project=project)
    session = SessionFactory()
    entry = TimeEntryFactory(user=session.owner, session=session, project=project, task=task)
    client = console(admin_user)
    for url in (
        "/admin/tracking/project/",
        f"/admin/tracking/project/{project.pk}/change/",
        "/admin/tracking/project/add/",
        "/admin/tracking/task/",
        "/admin/tracking/task/add/",
        "/admin/tracking/timeentry/",
        "/admin/tracking/timeentry/?start__year=2025",
        f"/admin/tracking/timeentry/?user__id__exact={entry.user_id}&project__id__exact={project.pk}",
        "/admin/tracking/timeentry/?q=Work",
        f"/admin/tracking/timeentry/{entry.pk}/change/",
        "/admin/tracking/session/",
        f"/admin/tracking/session/{session.pk}/change/",
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(f"/admin/tracking/session/{session.pk}/change/").content.decode()
    assert str(entry.uuid) in page  # the lap is shown inline


def test_staff_see_only_their_reports_entries_read_only(staff):
    report, stranger = UserFactory(manager=staff), UserFactory()
    mine = TimeEntryFactory(user=report)
    theirs = TimeEntryFactory(user=stranger)
    client = console(staff)
    listing = client.get("/admin/tracking/timeentry/").content.decode()
    assert f"/admin/tracking/timeentry/{mine.pk}/change/" in listing
    assert f"/admin/tracking/timeentry/{theirs.pk}/change/" not in listing
    assert client.get(f"/admin/tracking/timeentry/{theirs.pk}/change/").status_code == 302  # not found → index
    view = client.get(f"/admin/tracking/timeentry/{mine.pk}/change/")
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    session = SessionFactory(owner=report)
    assert client.get(f"/admin/tracking/session/{session.pk}/change/").status_code == 200
    refused = client.post(
        "/admin/tracking/timeentry/", {"action": "delete_entries", "_selected_action": [mine.pk]}, follow=True
    )
    assert refused.status_code == 200
    assert TimeEntry.objects.filter(pk=mine.pk).exists()


def test_admin_actions_go_through_the_services(admin_user, user):
    session = SessionFactory(owner=user, status=SessionStatus.RUNNING, started_at=timezone.now() - timedelta(hours=1))
    lap = TimeEntryFactory(user=user, session=session, start=session.started_at, end=None)
    old = TimeEntryFactory(user=user)
    client = console(admin_user)

    client.post("/admin/tracking/timeentry/", {"action": "stop_timers", "_selected_action": [lap.pk]})
    lap.refresh_from_db()
    session.refresh_from_db()
    assert lap.end is not None and session.status == SessionStatus.PAUSED

    client.post("/admin/tracking/timeentry/", {"action": "delete_entries", "_selected_action": [old.pk]})
    assert not TimeEntry.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(action="time_entry.delete", actor=admin_user).exists()

    client.post("/admin/tracking/session/", {"action": "stop_sessions", "_selected_action": [session.pk]})
    session.refresh_from_db()
    assert session.status == SessionStatus.STOPPED


def _entry_form(entry, **changes) -> dict:
    data = {
        "start_0": f"{entry.start:%Y-%m-%d}",
        "start_1": f"{entry.start:%H:%M:%S}",
        "end_0": f"{entry.end:%Y-%m-%d}",
        "end_1": f"{entry.end:%H:%M:%S}",
        "activity": entry.activity,
        "notes": entry.notes,
    }
    data.update(changes)
    return data


def test_admin_edit_is_checked_like_the_api(admin_user, user):
    TimeEntryFactory(user=user, start=at(0, 9), end=at(0, 10))
    entry = TimeEntryFactory(user=user, start=at(0, 11), end=at(0, 12))
    client = console(admin_user)
    url = f"/admin/tracking/timeentry/{entry.pk}/change/"

    refused = client.post(url, _entry_form(entry, start_1="09:30:00"), follow=True)
    assert "Overlaps entry" in refused.content.decode()
    entry.refresh_from_db()
    assert entry.start == at(0, 11)

    client.post(url, _entry_form(entry, notes="corrected", end_1="12:30:00"))
    entry.refresh_from_db()
    assert (entry.notes, entry.end) == ("corrected", at(0, 12.5))
    assert AuditEvent.objects.get(action="time_entry.update").actor == admin_user


def test_admin_creates_and_archives_projects_through_the_service(admin_user):
    client = console(admin_user)
    response = client.post(
        "/admin/tracking/project/add/", {"code": "new", "name": "New one", "color": "#123456", "billable": "on"}
    )
    assert response.status_code == 302
    project = Project.objects.get(code="NEW")
    client.post("/admin/tracking/project/", {"action": "archive", "_selected_action": [project.pk]})
    project.refresh_from_db()
    assert project.archived
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "project.create",
        "project.archive",
    ]


def test_admin_edits_a_sessions_title_through_the_service(admin_user, user):
    session = SessionFactory(owner=user, title="Before")
    lap = TimeEntryFactory(user=user, session=session, start=at(0, 9), end=at(0, 10))
    participant = session.participants.get()
    form = {
        "title": "After",
        "notes": "",
        # The inlines are read only: only their management data and ids are posted.
        "laps-TOTAL_FORMS": "1",
        "laps-INITIAL_FORMS": "1",
        "laps-0-id": lap.pk,
        "laps-0-session": session.pk,
        "participants-TOTAL_FORMS": "1",
        "participants-INITIAL_FORMS": "1",
        "participants-0-id": participant.pk,
        "participants-0-session": session.pk,
        "_save": "Save",
    }

    response = console(admin_user).post(f"/admin/tracking/session/{session.pk}/change/", form)

    assert response.status_code == 302
    session.refresh_from_db()
    assert session.title == "After"
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.changes) == ("session.update", admin_user, {"title": ["Before", "After"]})
