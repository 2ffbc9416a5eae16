"""Archiving: expired groups by the command, the task and the ADMIN endpoint alike, overdue
invites, the daily schedule, and the admin action."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from accounts.models import Notification
from accounts.tests.factories import AdminFactory, StaffFactory
from audit.models import AuditEvent
from groups.models import Group, GroupStatus, Invite, InviteStatus
from groups.services.groups import groups_archive_expired
from groups.tasks import archive_expired_groups_task
from groups.tests.factories import GroupFactory, InviteFactory, MembershipFactory

pytestmark = pytest.mark.django_db

ENDPOINT = "/api/v1/maintenance/archive-expired-groups/"


def run_command() -> str:
    out = StringIO()
    call_command("archive_expired_groups", stdout=out)
    return out.getvalue()


def run_task():
    return archive_expired_groups_task.delay().get()


def run_endpoint(client):
    response = client.post(ENDPOINT)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def expired(clock):
    """An active group that ended yesterday, with two members and a pending invite."""
    group = GroupFactory(ends_on=date(2025, 9, 14))
    MembershipFactory(group=group)
    InviteFactory(group=group)
    return group


@pytest.mark.parametrize("runner", ["command", "task", "endpoint"])
def test_expired_groups_are_archived_once_by_every_runner(client_for, expired, runner):
    run = {
        "command": run_command,
        "task": run_task,
        "endpoint": lambda: run_endpoint(client_for(AdminFactory())),
    }[runner]
    first = run()
    expired.refresh_from_db()
    assert expired.status == GroupStatus.ARCHIVED and expired.archived_at is not None
    assert list(Invite.objects.values_list("status", flat=True)) == [InviteStatus.EXPIRED]
    assert Notification.objects.filter(kind="group.archived").count() == 2
    assert AuditEvent.objects.filter(action="group.archive").count() == 1

    second = run()
    assert Notification.objects.filter(kind="group.archived").count() == 2
    assert AuditEvent.objects.filter(action="group.archive").count() == 1
    if runner == "command":
        assert "Archived 1 expired groups" in first and "Archived 0 expired groups" in second
    elif runner == "task":
        assert (first, second) == (
            {"archived_groups": 1, "expired_invites": 0},
            {"archived_groups": 0, "expired_invites": 0},
        )
    else:
        assert (first["archived_groups"], first["groups"], second["archived_groups"]) == (1, [str(expired.uuid)], 0)


def test_a_group_is_active_through_its_last_day_in_its_own_time_zone(clock):
    # The clock: 2025-09-15 09:00 UTC = 23:00 on the 14th in Honolulu, 19:00 on the 15th in Sydney.
    honolulu = GroupFactory(timezone="Pacific/Honolulu", ends_on=date(2025, 9, 14))
    utc_today = GroupFactory(ends_on=date(2025, 9, 15))
    sydney = GroupFactory(timezone="Australia/Sydney", ends_on=date(2025, 9, 14))
    open_ended = GroupFactory(ends_on=None)
    assert [g.pk for g in groups_archive_expired().archived] == [sydney.pk]
    clock.advance(hours=1)
    assert [g.pk for g in groups_archive_expired().archived] == [honolulu.pk]
    assert Group.objects.get(pk=utc_today.pk).status == GroupStatus.ACTIVE
    assert Group.objects.get(pk=open_ended.pk).status == GroupStatus.ACTIVE


def test_overdue_invites_expire_in_active_groups_too(clock):
    overdue = InviteFactory(expires_at=clock.now - timedelta(minutes=1))
    current = InviteFactory(expires_at=clock.now + timedelta(days=1))
    report = groups_archive_expired()
    assert (report.archived, report.invites_expired) == ([], 1)
    assert Invite.objects.get(pk=overdue.pk).status == InviteStatus.EXPIRED
    assert Invite.objects.get(pk=overdue.pk).responded_at == clock.now
    assert Invite.objects.get(pk=current.pk).status == InviteStatus.PENDING
    assert groups_archive_expired().invites_expired == 0


def test_muted_members_are_not_told_of_the_archive(expired):
    MembershipFactory(group=expired, muted=True)
    groups_archive_expired()
    assert Notification.objects.filter(kind="group.archived").count() == 2


def test_only_an_admin_may_run_the_maintenance_endpoint(client_for, api_client, user, expired):
    assert client_for(user).post(ENDPOINT).status_code == 403
    assert client_for(StaffFactory()).post(ENDPOINT).status_code == 403
    assert client_for(expired.owner).post(ENDPOINT).status_code == 403
    assert api_client.post(ENDPOINT).status_code == 401
    assert Group.objects.get(pk=expired.pk).status == GroupStatus.ACTIVE
    assert client_for(AdminFactory()).post("/api/maintenance/archive-expired-groups").status_code == 200


def test_the_task_is_scheduled_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["archive-expired-groups"]
    assert entry == {"task": "groups.tasks.archive_expired_groups_task", "schedule": timedelta(days=1)}


def test_the_admin_action_archives_through_the_service(admin_user):
    active, archived = GroupFactory(name="Active"), GroupFactory(name="Done")
    MembershipFactory(group=active)
    Group.objects.filter(pk=archived.pk).update(status=GroupStatus.ARCHIVED, archived_at=archived.created_at)
    console = Client()
    console.force_login(admin_user)
    response = console.post(
        "/admin/groups/group/",
        {"action": "archive_groups", "_selected_action": [active.pk, archived.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "Archived: 1." in page and "is archived" in page
    assert Group.objects.get(pk=active.pk).status == GroupStatus.ARCHIVED
    assert Notification.objects.filter(kind="group.archived").count() == 2
    assert AuditEvent.objects.get(action="group.archive").actor == admin_user


def test_admin_pages_load_read_only(admin_user):
    group = GroupFactory()
    MembershipFactory(group=group)
    invite = InviteFactory(group=group)
    console = Client()
    console.force_login(admin_user)
    for path in (
        "/admin/groups/group/",
        f"/admin/groups/group/{group.pk}/change/",
        "/admin/groups/group/?status__exact=active",
        "/admin/groups/invite/",
        f"/admin/groups/invite/{invite.pk}/change/",
    ):
        assert console.get(path).status_code == 200, path
    page = console.get(f"/admin/groups/group/{group.pk}/change/").content.decode()
    assert group.owner.email in page and 'name="_save"' not in page
    assert console.get("/admin/groups/group/add/").status_code == 403


@pytest.mark.celery_worker
def test_the_task_runs_on_a_real_worker(celery_worker_thread):
    group = GroupFactory(ends_on=date(2020, 1, 1))
    MembershipFactory(group=group)
    assert archive_expired_groups_task.delay().get(timeout=30) == {"archived_groups": 1, "expired_invites": 0}
    assert Group.objects.get(pk=group.pk).status == GroupStatus.ARCHIVED
    assert Notification.objects.filter(kind="group.archived").count() == 2
