"""What the other party hears of an appointment: an inbox notification (muting and e-mail are
accounts' business) with the appointment as an .ics attachment for the e-mail."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from accounts.models import User
from accounts.services.notifications import notification_send
from scheduling.ics import ics_attachment
from scheduling.models import Appointment


def when(appointment: Appointment, user: User) -> str:
    """The appointment's start in `user`'s own zone, for a message."""
    zone = ZoneInfo(user.timezone or "UTC")
    local = appointment.start_utc.astimezone(zone)
    return f"{local:%a %d %b %Y %H:%M} ({zone.key})"


def payload(appointment: Appointment, **extra) -> dict:
    return {
        "appointment": str(appointment.uuid),
        "service": appointment.service.name,
        "start_utc": appointment.start_utc.isoformat().replace("+00:00", "Z"),
        "end_utc": appointment.end_utc.isoformat().replace("+00:00", "Z"),
        "status": appointment.status,
        **extra,
    }


def notify(
    appointment: Appointment, *, to: User, kind: str, message: str, now: datetime, cancel: bool = False, **extra
) -> None:
    notification_send(
        user=to,
        kind=kind,
        message=message,
        payload=payload(appointment, **extra),
        attachments=[ics_attachment(appointment, now=now, cancel=cancel)],
        now=now,
    )


def notify_booked(appointment: Appointment, *, now: datetime) -> None:
    """To the staff member: a new booking (or a request to confirm)."""
    staff = appointment.staff
    verb = "asks for" if appointment.status == "requested" else "booked"
    notify(
        appointment,
        to=staff,
        kind="appointment.booked",
        message=f"{appointment.customer.name} {verb} {appointment.service.name} on {when(appointment, staff)}.",
        now=now,
    )


def notify_confirmed(appointment: Appointment, *, now: datetime) -> None:
    customer = appointment.customer
    notify(
        appointment,
        to=customer,
        kind="appointment.confirmed",
        message=f"{appointment.staff.name} confirmed {appointment.service.name} on {when(appointment, customer)}.",
        now=now,
    )


def notify_rescheduled(appointment: Appointment, *, to: User, by: User | None, now: datetime) -> None:
    who = by.name if by is not None else "Someone"
    notify(
        appointment,
        to=to,
        kind="appointment.rescheduled",
        message=f"{who} moved {appointment.service.name} to {when(appointment, to)} with {appointment.staff.name}.",
        now=now,
    )


def notify_reassigned(appointment: Appointment, *, old_staff: User, by: User | None, now: datetime) -> None:
    """To the staff member an appointment was moved away from (their calendar drops it)."""
    who = by.name if by is not None else "Someone"
    notify(
        appointment,
        to=old_staff,
        kind="appointment.reassigned",
        message=f"{who} gave {appointment.service.name} on {when(appointment, old_staff)} to {appointment.staff.name}.",
        now=now,
        cancel=True,
    )


def notify_cancelled(appointment: Appointment, *, to: User, by: User | None, now: datetime) -> None:
    who = by.name if by is not None else "Someone"
    reason = f" Reason: {appointment.cancel_reason}" if appointment.cancel_reason else ""
    notify(
        appointment,
        to=to,
        kind="appointment.cancelled",
        message=f"{who} cancelled {appointment.service.name} on {when(appointment, to)}.{reason}",
        now=now,
    )


def notify_reminder(appointment: Appointment, *, now: datetime, minutes_before: int) -> None:
    customer = appointment.customer
    notify(
        appointment,
        to=customer,
        kind="appointment.reminder",
        message=f"Reminder: {appointment.service.name} with {appointment.staff.name} on {when(appointment, customer)}.",
        now=now,
        minutes_before=minutes_before,
    )
