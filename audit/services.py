from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from audit import context
from audit.models import Action, AuditEvent


def audit_record(
    *,
    actor: Any | None,
    action: Action,
    target: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    actor_email: str = "",
    now: datetime | None = None,
) -> AuditEvent:
    """Append one event. IP and user agent come from the current request, if there is one.

    Call inside the service's transaction, so the event exists exactly when the change does.
    `action` must be one of `Action` (a free string is a programming error: ValueError)."""
    action = Action(action)
    request = context.current()
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    event = AuditEvent(
        created_at=now or timezone.now(),
        actor=actor,
        actor_email=actor_email or (getattr(actor, "email", "") if actor is not None else ""),
        action=action,
        changes=changes or {},
        ip=request.ip,
        user_agent=request.user_agent,
    )
    if target is not None:
        event.target_type = target._meta.label_lower
        event.target_id = str(getattr(target, "uuid", None) or target.pk)
        event.target_repr = str(target)[:200]
    event.save(force_insert=True)
    return event


def audit_change(
    *,
    actor: Any | None,
    owner: Any | None,
    action: Action,
    target: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEvent | None:
    """The audit rule for changes to someone's data: recorded when `actor` is not `owner` (an
    ADMIN editing another user's entry, a manager removing a member), skipped when people change
    their own data. Changes of access (roles, memberships, invites, sign-ins, group settings) are
    always recorded: call `audit_record` for those."""
    if actor is not None and owner is not None and getattr(actor, "pk", None) == getattr(owner, "pk", None):
        return None
    return audit_record(actor=actor, action=action, target=target, changes=changes, now=now)


def audit_purge(*, now: datetime | None = None, retention_days: int | None = None, batch_size: int = 5000) -> int:
    """Delete events older than the retention window, in batches so a large backlog does not
    hold one long lock. Returns how many were deleted; a second run deletes nothing."""
    days = settings.AUDIT_RETENTION if retention_days is None else retention_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted = 0
    while True:
        ids = list(AuditEvent.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        deleted += AuditEvent.objects.filter(pk__in=ids).delete()[0]
