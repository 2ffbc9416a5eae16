from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.tests.factories import UserFactory
from audit.models import Action, AuditEvent
from audit.services import audit_purge, audit_record
from audit.tasks import purge_audit_log_task

pytestmark = pytest.mark.django_db


def _event(days_ago: int, **kwargs) -> AuditEvent:
    return audit_record(
        actor=None, action=Action.AUTH_LOGIN_FAILED, now=timezone.now() - timedelta(days=days_ago), **kwargs
    )


def test_record_captures_actor_and_target():
    user = UserFactory()
    event = audit_record(actor=user, action=Action.USER_PROFILE_UPDATE, target=user, changes={"a": [1, 2]})
    assert event.actor_email == user.email
    assert event.target_type == "accounts.user"
    assert event.target_id == str(user.uuid)
    assert event.changes == {"a": [1, 2]}


def test_events_cannot_be_edited_through_the_orm():
    event = _event(0)
    event.action = Action.AUTH_LOGIN
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_purge_deletes_only_expired_events_and_is_idempotent(settings, capsys):
    settings.AUDIT_RETENTION = 30
    old = [_event(31), _event(400)]
    kept = [_event(29), _event(0)]

    call_command("purge_audit_log")
    assert "Deleted 2 audit events older than 30 days" in capsys.readouterr().out
    assert set(AuditEvent.objects.values_list("pk", flat=True)) == {e.pk for e in kept}
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in old]).exists()

    call_command("purge_audit_log")
    assert "Deleted 0" in capsys.readouterr().out


def test_purge_task_and_command_option(settings):
    settings.AUDIT_RETENTION = 10
    _event(11)
    _event(5)
    assert purge_audit_log_task() == 1
    call_command("purge_audit_log", "--days", "1")
    assert AuditEvent.objects.count() == 0


def test_purge_works_in_batches():
    for _ in range(7):
        _event(500)
    assert audit_purge(retention_days=180, batch_size=3) == 7


def test_purge_is_in_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "audit.tasks.purge_audit_log_task" in tasks


@pytest.mark.postgres
def test_postgres_refuses_updates_but_lets_the_actor_go():
    user = UserFactory()
    event = audit_record(actor=user, action=Action.USER_PROFILE_UPDATE, target=user)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'forged' WHERE id = %s", [event.pk])
    user.delete()
    event.refresh_from_db()
    assert event.actor is None
    assert event.actor_email == user.email
    assert event.action == Action.USER_PROFILE_UPDATE


def test_an_action_outside_the_registry_is_refused():
    with pytest.raises(ValueError):
        audit_record(actor=None, action="test.event")
    assert not AuditEvent.objects.exists()


def test_console_filter_lists_the_registry_labels(admin_user):
    user = UserFactory()
    audit_record(actor=user, action=Action.AUTH_LOGOUT, target=user)
    audit_record(actor=None, action=Action.AUTH_LOGIN_FAILED, actor_email=user.email)
    client = Client()
    client.force_login(admin_user)
    url = reverse("admin:audit_auditevent_changelist")

    page = client.get(url)
    assert page.status_code == 200
    for label in (Action.AUTH_LOGOUT.label, Action.GROUP_UPDATE.label, Action.TIME_ENTRY_STOP.label):
        assert escape(label) in page.content.decode()

    filtered = client.get(url, {"action": Action.AUTH_LOGOUT.value})
    assert filtered.status_code == 200
    assert [event.action for event in filtered.context["cl"].result_list] == [Action.AUTH_LOGOUT]
