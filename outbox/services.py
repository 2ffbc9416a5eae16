"""The transactional outbox: how a service queues a Celery task.

`outbox_enqueue` writes the call into the caller's transaction (it commits or rolls back with
the rest) and, once that commits, makes one bounded attempt to hand it to the broker: the
broker's connect and socket timeouts (settings `CELERY_BROKER_TRANSPORT_OPTIONS`,
`CELERY_BROKER_CONNECTION_TIMEOUT`) hold a request for about a second at most, publishing is not
retried, and nothing is raised into the request. What that attempt could not send, `outbox_drain`
(beat's `outbox.tasks.outbox_drain_task`, or `manage.py outbox_drain`) sends later, with
exponential backoff, until OUTBOX_MAX_ATTEMPTS.

Each row is claimed with a conditional UPDATE before it is sent, so two senders (the after-commit
attempt, several drain runs) never publish the same row at once. Delivery is at least once: a
process killed between the broker's acknowledgement and the row being marked sent leaves the
row to be sent again when its lease runs out, so tasks must tolerate a rare repeat."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from outbox.models import MessageStatus, OutboxMessage

logger = logging.getLogger("timekeep.outbox")

# How long a claimed row is left to its sender before another may take it.
LEASE = timedelta(minutes=2)


@dataclass(frozen=True)
class DrainResult:
    sent: int
    retried: int
    failed: int
    purged: int


class BrokerUnavailable(Exception):
    """Publishing failed because the broker could not be reached."""


def _task(name: str):
    app = current_app
    if name not in app.tasks:
        app.loader.import_default_modules()
    try:
        return app.tasks[name]
    except KeyError:
        raise ValueError(f"No Celery task is registered as {name!r}.") from None


def outbox_enqueue(task_name: str, *args: Any, **kwargs: Any) -> OutboxMessage:
    """Queue `task_name(*args, **kwargs)` with the current transaction (call it inside the
    service's atomic block, instead of `transaction.on_commit(lambda: task.delay(...))`).
    Arguments must be JSON values. The after-commit publish never raises."""
    _task(task_name)  # a misspelt name fails here, in the caller's tests, not in a drain run
    message = OutboxMessage.objects.create(task_name=task_name, args=list(args), kwargs=kwargs)
    transaction.on_commit(partial(_publish_after_commit, message.pk))
    return message


def _publish_after_commit(message_id: int) -> None:
    try:
        _send(message_id, now=timezone.now())
    except Exception:
        # The drain job sends it later; the request that queued it has committed and answers.
        logger.warning("outbox message %s not published after commit; the drain will retry", message_id, exc_info=True)


def _is_broker_error(exc: BaseException) -> bool:
    from kombu.exceptions import OperationalError as KombuOperationalError

    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is a hard dependency
        RedisConnectionError = RedisTimeoutError = OSError
    return isinstance(exc, KombuOperationalError | RedisConnectionError | RedisTimeoutError | OSError)


def _backoff(attempts: int) -> timedelta:
    seconds = settings.OUTBOX_RETRY_SECONDS * 2 ** max(0, attempts - 1)
    return timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def _send(message_id: int, *, now: datetime, connection=None) -> bool:
    """Claim, publish and mark one due row. True when sent; False when it was not due or someone
    else holds it. A failed publish is recorded on the row (retry later, or failed for good after
    OUTBOX_MAX_ATTEMPTS) and re-raised, as BrokerUnavailable when the broker is the cause."""
    claimed = OutboxMessage.objects.filter(
        pk=message_id, status=MessageStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        task = _task(message.task_name)
        if connection is None:
            with current_app.connection_for_write() as own:
                task.apply_async(message.args, message.kwargs, connection=own, retry=False, ignore_result=True)
        else:
            task.apply_async(message.args, message.kwargs, connection=connection, retry=False, ignore_result=True)
    except Exception as exc:
        _record_failure(message, exc, now=now)
        if _is_broker_error(exc):
            raise BrokerUnavailable(str(exc)) from exc
        raise
    OutboxMessage.objects.filter(pk=message_id, status=MessageStatus.PENDING).update(
        status=MessageStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def _record_failure(message: OutboxMessage, exc: BaseException, *, now: datetime) -> None:
    error = f"{type(exc).__name__}: {exc}"[:500]
    pending = OutboxMessage.objects.filter(pk=message.pk, status=MessageStatus.PENDING)
    if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        logger.error(
            "outbox message %s (%s) failed %s times: %s", message.pk, message.task_name, message.attempts, error
        )
        pending.update(status=MessageStatus.FAILED, last_error=error)
    else:
        pending.update(next_attempt_at=now + _backoff(message.attempts), last_error=error)


def outbox_drain(*, limit: int = 500, now: datetime | None = None) -> DrainResult:
    """Send up to `limit` due rows, oldest first, over one broker connection, and delete sent rows
    older than OUTBOX_KEEP_DAYS. Stops at the first broker failure (the rest stay due for the next
    run). Safe to run at the same time as another drain and as after-commit publishing."""
    now = now or timezone.now()
    due = list(
        OutboxMessage.objects.filter(status=MessageStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = retried = failed = 0
    with current_app.connection_for_write() as connection:
        for message_id in due:
            try:
                sent += _send(message_id, now=now, connection=connection)
            except BrokerUnavailable:
                retried += 1
                logger.warning("outbox drain stopped: the broker is unavailable")
                break
            except Exception:
                logger.warning("outbox message %s could not be sent", message_id, exc_info=True)
                status = OutboxMessage.objects.filter(pk=message_id).values_list("status", flat=True).first()
                if status == MessageStatus.FAILED:
                    failed += 1
                else:
                    retried += 1
    purged, _ = OutboxMessage.objects.filter(
        status=MessageStatus.SENT, created_at__lt=now - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    ).delete()
    return DrainResult(sent=sent, retried=retried, failed=failed, purged=purged)
