"""iCalendar (RFC 5545/5546) for one appointment, as calendar programs expect it in an e-mail.

UID is stable for the appointment's life (its public id), SEQUENCE is the appointment's
`ics_sequence` (raised on every reschedule and on cancellation, so a calendar replaces its copy),
times are in UTC, and a cancelled appointment is sent with METHOD:CANCEL.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings

from scheduling.models import Appointment, AppointmentStatus

if TYPE_CHECKING:
    from icalendar import vCalAddress

FILE_NAME = "appointment.ics"
UID_DOMAIN = "appointments.timekeep"
STATUS = {
    AppointmentStatus.REQUESTED: "TENTATIVE",
    AppointmentStatus.CONFIRMED: "CONFIRMED",
    AppointmentStatus.CANCELLED: "CANCELLED",
    AppointmentStatus.COMPLETED: "CONFIRMED",
    AppointmentStatus.NO_SHOW: "CONFIRMED",
}


def appointment_uid(appointment: Appointment) -> str:
    return f"{appointment.uuid}@{UID_DOMAIN}"


def _address(user, role: str) -> vCalAddress:
    from icalendar import vCalAddress, vText  # see appointment_ics

    address = vCalAddress(f"mailto:{user.email}")
    address.params["cn"] = vText(user.name)
    address.params["role"] = vText(role)
    return address


def appointment_ics(appointment: Appointment, *, now: datetime, cancel: bool = False) -> str:
    """The appointment as a one-event calendar: METHOD:REQUEST, or METHOD:CANCEL once cancelled
    (or with `cancel`, for a staff member it was taken from)."""
    # icalendar (about 2 MB) is imported by the code that writes a calendar, not by every process.
    from icalendar import Calendar, Event

    cancelled = cancel or appointment.status == AppointmentStatus.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.APP_NAME}//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", appointment.ics_sequence)
    event.add("dtstamp", now)
    event.add("dtstart", appointment.start_utc)
    event.add("dtend", appointment.end_utc)
    event.add("summary", f"{appointment.service.name} with {appointment.staff.name}")
    if appointment.location:
        event.add("location", appointment.location)
    if appointment.customer_notes:
        event.add("description", appointment.customer_notes)
    event.add("status", "CANCELLED" if cancelled else STATUS[appointment.status])
    event.add("organizer", _address(appointment.staff, "CHAIR"))
    event.add("attendee", _address(appointment.customer, "REQ-PARTICIPANT"))
    calendar.add_component(event)
    return calendar.to_ical().decode()


def ics_attachment(appointment: Appointment, *, now: datetime, cancel: bool = False) -> tuple[str, str, str]:
    method = "CANCEL" if cancel or appointment.status == AppointmentStatus.CANCELLED else "REQUEST"
    content = appointment_ics(appointment, now=now, cancel=cancel)
    return FILE_NAME, content, f"text/calendar; method={method}; charset=utf-8"
