from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from audit.services import audit_purge, audit_record
from audit.tasks import purge_audit_log_task

pytestmark = pytest.mark.django_db


def _event(days_ago: int, **kwargs) -> AuditEvent:
    return audit_record(actor=None, action="test.event", now=timezone.now() - timedelta(days=days_ago), **kwargs)


def test_record_captures_actor_and_target():
    user = UserFactory()
    event = audit_record(actor=user, action="user.something", target=user, changes={"a": [1, 2]})
    assert event.actor_email == user.email
    assert event.target_type == "accounts.user"
    assert event.target_id == str(user.uuid)
    assert event.changes == {"a": [1, 2]}


def test_events_cannot_be_edited_through_the_orm():
    event = _event(0)
    event.action = "rewritten"
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
    event = audit_record(actor=user, action="user.something", target=user)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'forged' WHERE id = %s", [event.pk])
    user.delete()
    event.refresh_from_db()
    assert event.actor is None
    assert event.actor_email == user.email
    assert event.action == "user.something"
