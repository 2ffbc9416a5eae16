"""The inbox. Every app notifies users through `notification_send` / `notification_send_many`,
so muting and e-mail delivery work the same for every kind of message."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.utils import timezone

from accounts.models import Notification, User, UserSettings
from config.errors import NotFound
from outbox.services import outbox_enqueue

# An e-mail attachment: (file name, text content, MIME type), e.g. an iCalendar invitation.
Attachment = tuple[str, str, str]


def notification_send(
    *,
    user: User,
    kind: str,
    message: str,
    payload: dict[str, Any] | None = None,
    attachments: Sequence[Attachment] = (),
    now: datetime | None = None,
) -> Notification | None:
    """Put one message in `user`'s inbox unless they muted `kind`. If they want e-mail, a task
    sends it (with `attachments`) once the surrounding transaction commits, queued through the
    outbox so a broker outage delays the e-mail without failing the caller. Returns None when muted."""
    sent = notification_send_many(
        users=[user], kind=kind, message=message, payload=payload, attachments=attachments, now=now
    )
    return sent[0] if sent else None


def notification_send_many(
    *,
    users: Iterable[User],
    kind: str,
    message: str,
    payload: dict[str, Any] | None = None,
    attachments: Sequence[Attachment] = (),
    now: datetime | None = None,
) -> list[Notification]:
    """The same message to many users in one insert (settings are read in one query)."""
    users = list(users)
    if not users:
        return []
    prefs = {s.user_id: s for s in UserSettings.objects.filter(user_id__in=[u.pk for u in users])}
    created_at = now or timezone.now()
    rows = [
        Notification(user=user, kind=kind, message=message[:500], payload=payload or {}, created_at=created_at)
        for user in users
        if not (user.pk in prefs and prefs[user.pk].is_muted(kind))
    ]
    Notification.objects.bulk_create(rows)
    email_ids = [row.uuid for row in rows if row.user_id in prefs and prefs[row.user_id].email_notifications]
    if email_ids:
        files = [list(attachment) for attachment in attachments]
        outbox_enqueue("accounts.tasks.send_notification_emails_task", [str(i) for i in email_ids], files)
    return rows


def notification_mark_read(*, actor: User, notification: Notification, now: datetime | None = None) -> Notification:
    """Mark one of `actor`'s notifications read (idempotent: the first read time stays)."""
    if notification.user_id != actor.pk:
        raise NotFound("Notification not found.")
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=notification.read_at)
    return notification


def notification_mark_all_read(*, actor: User, now: datetime | None = None) -> int:
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=now or timezone.now())
