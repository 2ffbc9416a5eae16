"""Reminders before confirmed appointments (APPOINTMENT_REMINDERS, e.g. 24 h and 1 h before): an
inbox notification and, for those who want e-mail, a message with the appointment's .ics.

Shaped like every maintenance job here: each appointment is handled in its own transaction, and
a reminder is sent only by the run that inserted its AppointmentReminder row (unique per
appointment, reminder and start time), so a repeated run, or two workers at once, send nothing
twice. When several reminders are due at once (the job was down, or the booking came late) only
the latest one goes out; the others are recorded as skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from scheduling.models import Appointment, AppointmentReminder, AppointmentStatus
from scheduling.services.notify import notify_reminder

logger = logging.getLogger(__name__)


def _claim(appointment: Appointment, minutes_before: int, *, sent: bool, now: datetime) -> bool:
    """Insert the reminder's row; False when another run already did."""
    try:
        with transaction.atomic():
            AppointmentReminder.objects.create(
                appointment=appointment,
                minutes_before=minutes_before,
                for_start=appointment.start_utc,
                sent=sent,
                created_at=now,
            )
    except IntegrityError:
        return False
    return True


def appointment_reminders_send(*, now: datetime | None = None, reminders: Sequence[int] | None = None) -> int:
    """Send every reminder that is due and not yet sent; returns how many were sent."""
    now = now or timezone.now()
    offsets = sorted(settings.APPOINTMENT_REMINDERS if reminders is None else reminders)
    if not offsets:
        return 0
    candidates = list(
        Appointment.objects.filter(
            status=AppointmentStatus.CONFIRMED,
            start_utc__gt=now,
            start_utc__lte=now + timedelta(minutes=offsets[-1]),
        )
        .select_related("customer", "staff", "service")
        .order_by("start_utc", "pk")
    )
    sent = 0
    for appointment in candidates:
        due = [minutes for minutes in offsets if appointment.start_utc - now <= timedelta(minutes=minutes)]
        latest = due[0]
        with transaction.atomic():
            still = Appointment.objects.filter(
                pk=appointment.pk, status=AppointmentStatus.CONFIRMED, start_utc=appointment.start_utc
            ).exists()
            if not still or not _claim(appointment, latest, sent=True, now=now):
                continue
            for minutes in due[1:]:
                _claim(appointment, minutes, sent=False, now=now)
            notify_reminder(appointment, now=now, minutes_before=latest)
            sent += 1
    if sent:
        logger.info("sent %s appointment reminders", sent)
    return sent
