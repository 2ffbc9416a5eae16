"""The outbox: queued tasks commit with their transaction, are published once it commits without
holding the request when the broker is gone, and are delivered by the drain when it is back."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from celery import shared_task
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.models import UserSettings
from accounts.tests.factories import UserFactory
from config.celery import app
from config.testing import race
from config.testing_servers import RedisServer, free_port
from groups.tests.factories import GroupFactory
from outbox.models import MessageStatus, OutboxMessage
from outbox.services import outbox_drain, outbox_enqueue

CALLS: list[tuple] = []


@shared_task(name="outbox.tests.record_call")
def record_call(*args, **kwargs):
    CALLS.append((args, kwargs))


@pytest.fixture(autouse=True)
def _no_calls():
    CALLS.clear()


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture
def broker(settings):
    """Point Celery at a broker URL (tasks are published, not run inline) for the test."""
    saved = app.conf.broker_url, app.conf.task_always_eager

    def use(url: str) -> None:
        app.conf.broker_url = url
        app.conf.task_always_eager = False

    yield use
    app.conf.broker_url, app.conf.task_always_eager = saved


def queued_tasks(server: RedisServer) -> list[str]:
    return [json.loads(raw)["headers"]["task"] for raw in server.client().lrange("celery", 0, -1)]


@pytest.mark.django_db(transaction=True)
def test_a_task_queued_in_a_transaction_runs_once_it_commits():
    with transaction.atomic():
        outbox_enqueue("outbox.tests.record_call", 1, "two", three=3)
        assert CALLS == []

    assert CALLS == [((1, "two"), {"three": 3})]
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts, message.sent_at is not None) == (MessageStatus.SENT, 1, True)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_queues_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_enqueue("outbox.tests.record_call", 1)
        raise RuntimeError

    assert CALLS == []
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_an_unknown_task_name_fails_at_once():
    with pytest.raises(ValueError, match="No Celery task"):
        outbox_enqueue("outbox.tests.no_such_task")


@pytest.mark.django_db(transaction=True)
def test_a_failed_publish_is_retried_by_the_drain_with_backoff(broker, settings):
    settings.OUTBOX_RETRY_SECONDS = 10
    broker(f"redis://127.0.0.1:{free_port()}/0")
    outbox_enqueue("outbox.tests.record_call", 1)  # autocommit: published (and failing) at once
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)
    assert "Error" in message.last_error
    first_retry = message.next_attempt_at

    assert outbox_drain(now=first_retry - timedelta(seconds=1)).sent == 0  # not due yet
    result = outbox_drain(now=first_retry)
    message.refresh_from_db()

    assert (result.sent, result.retried) == (0, 1)
    assert message.attempts == 2
    assert message.next_attempt_at == first_retry + timedelta(seconds=20)


@pytest.mark.django_db
def test_a_message_that_keeps_failing_is_marked_failed(broker, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    broker(f"redis://127.0.0.1:{free_port()}/0")
    message = OutboxMessage.objects.create(task_name="outbox.tests.record_call", attempts=1)

    result = outbox_drain(now=timezone.now() + timedelta(seconds=1))
    message.refresh_from_db()

    assert message.status == MessageStatus.FAILED
    assert result.retried == 1  # the broker is down: the run stops there


@pytest.mark.django_db
def test_the_drain_sends_what_is_due_and_purges_old_sent_rows(settings):
    settings.OUTBOX_KEEP_DAYS = 7
    old = OutboxMessage.objects.create(
        task_name="outbox.tests.record_call", status=MessageStatus.SENT, created_at=timezone.now() - timedelta(days=8)
    )
    due = [OutboxMessage.objects.create(task_name="outbox.tests.record_call", args=[n]) for n in range(3)]

    call_command("outbox_drain")

    assert sorted(CALLS) == [((0,), {}), ((1,), {}), ((2,), {})]
    assert not OutboxMessage.objects.filter(pk=old.pk).exists()
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {MessageStatus.SENT}
    assert len(due) == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_drains_send_each_message_once():
    for n in range(40):
        OutboxMessage.objects.create(task_name="outbox.tests.record_call", args=[n])

    results = race([outbox_drain] * 4)

    assert sum(result.sent for result in results) == 40
    assert sorted(args[0] for args, _ in CALLS) == list(range(40))


# --- The broker down or frozen: the request answers, the work arrives later ------------------


def _invite_with_email(client_for):
    owner = UserFactory()
    guest = UserFactory()
    UserSettings.objects.create(user=guest, notification_preferences={"email": True, "muted_kinds": []})
    group = GroupFactory(owner=owner)
    client = client_for(owner)
    app.loader.import_default_modules()  # what a process's first request pays once, not timed here
    client.get(f"/api/v1/groups/{group.uuid}/")
    started = time.monotonic()
    response = client.post(f"/api/v1/groups/{group.uuid}/invite/", {"email": guest.email}, format="json")
    return response, time.monotonic() - started


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("outage", ["stopped", "frozen"])
def test_an_invite_answers_at_once_during_a_broker_outage_and_its_email_is_delivered_after(
    outage, redis_server, broker, client_for
):
    broker(redis_server.url)
    redis_server.stop() if outage == "stopped" else redis_server.freeze()

    response, elapsed = _invite_with_email(client_for)

    assert response.status_code == 201
    assert elapsed < 2.0  # one bounded attempt (OUTBOX_PUBLISH_TIMEOUT_SECONDS), not minutes of retries
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)

    redis_server.start() if outage == "stopped" else redis_server.thaw()
    assert outbox_drain(now=message.next_attempt_at).sent == 1
    assert queued_tasks(redis_server) == ["accounts.tasks.send_notification_emails_task"]
    assert OutboxMessage.objects.get().status == MessageStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_with_the_broker_up_the_invite_publishes_at_once(redis_server, broker, client_for):
    broker(redis_server.url)

    response, _ = _invite_with_email(client_for)

    assert response.status_code == 201
    assert queued_tasks(redis_server) == ["accounts.tasks.send_notification_emails_task"]
    assert OutboxMessage.objects.get().status == MessageStatus.SENT


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_email_is_sent_inline_as_before(client_for):
    response, _ = _invite_with_email(client_for)

    assert response.status_code == 201
    assert len(mail.outbox) == 1
