"""Forgotten timers: entries left running longer than TIMER_AUTO_STOP_HOURS."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.services.notifications import notification_send
from audit.models import Action
from audit.services import audit_record
from tracking.compliance import user_zone
from tracking.models import Session, TimeEntry
from tracking.services.gate import EntryDraft, entries_write
from tracking.services.rules import lock_user

logger = logging.getLogger(__name__)


def timers_stop_forgotten(*, now: datetime | None = None, hours: int | None = None, batch_size: int = 500) -> int:
    """Stop every entry that has run longer than `hours` (TIMER_AUTO_STOP_HOURS) at start + that
    cap, notify its owner (`timer.auto_stopped`) and audit it. A session whose owner's running
    lap is stopped is paused. Returns how many were stopped.

    Each entry is stopped in its own transaction, under its owner's row lock, by a conditional
    UPDATE (`end IS NULL`): a second run, a concurrent run, or the user stopping the timer at the
    same moment changes nothing more and sends no second notification."""
    now = now or timezone.now()
    cap = timedelta(hours=settings.TIMER_AUTO_STOP_HOURS if hours is None else hours)
    stopped = 0
    while True:
        due = list(
            TimeEntry.objects.filter(end__isnull=True, start__lte=now - cap)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not due:
            return stopped
        for pk in due:
            stopped += _stop_one(pk, cap=cap, now=now)
        if len(due) < batch_size:
            return stopped


@transaction.atomic
def _stop_one(pk: int, *, cap: timedelta, now: datetime) -> int:
    entry = TimeEntry.objects.select_related("user", "session").filter(pk=pk, end__isnull=True).first()
    if entry is None:
        return 0
    lock_user(entry.user)
    if entry.session_id is not None:
        # Lock order: user, session, entry (the session's owner closes laps under its lock).
        entry.session = Session.objects.select_for_update().get(pk=entry.session_id)
    if not TimeEntry.objects.filter(pk=pk, end__isnull=True).exists():
        return 0  # stopped meanwhile, by the user or by another run (both hold the same lock)
    end = entry.start + cap
    entries_write(
        put=[EntryDraft(user=entry.user, start=entry.start, end=end, entry=entry, session=entry.session, closing=True)],
        now=now,
    )
    zone = user_zone(entry.user)
    hours = cap.total_seconds() / 3600
    notification_send(
        user=entry.user,
        kind="timer.auto_stopped",
        message=(
            f"Your timer started {entry.start.astimezone(zone):%Y-%m-%d %H:%M} ran for more than {hours:g} h, so it "
            f"was stopped at {end.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key}). Correct the end time if needed."
        ),
        payload={
            "entry": str(entry.uuid),
            "session": str(entry.session.uuid) if entry.session_id else None,
            "start_utc": entry.start.isoformat(),
            "end_utc": end.isoformat(),
        },
        now=now,
    )
    audit_record(
        actor=None,
        action=Action.TIME_ENTRY_AUTO_STOP,
        target=entry,
        changes={"user": entry.user.email, "end": end.isoformat(), "cap_hours": hours},
        now=now,
    )
    logger.info("auto-stopped entry %s of %s", entry.uuid, entry.user.email)
    return 1
