"""One iCalendar feed per person: their leave (approved, and pending as TENTATIVE), the holidays
where they live, their appointments (as customer or staff member) and, when asked, their time
entries, between CALENDAR_FEED_PAST_DAYS ago and CALENDAR_FEED_FUTURE_DAYS ahead.

Every event's UID is stable, so a calendar program that polls the feed updates its copy instead
of adding a new one: `<kind>-<public id>@<domain>` (a public holiday, which has no row, is named
by its location and date). Appointments keep the UID and SEQUENCE of the invitations scheduling
e-mails, so the feed and the e-mail describe the same event. Leave and holidays are all-day
events in the person's own calendar days; entries and appointments are UTC instants.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from analytics.models import CalendarFeed
from analytics.selectors.scope import user_zone
from leave.models import EndHalf, LeaveRequest, RequestStatus, StartHalf
from leave.selectors.days import holiday_list, local_today
from leave.selectors.requests import leave_request_list
from scheduling.ics import STATUS as APPOINTMENT_STATUS
from scheduling.ics import appointment_uid
from scheduling.selectors import appointment_list
from tracking.selectors import time_entry_list

if TYPE_CHECKING:
    from icalendar import Event

UID_DOMAIN = "timekeep"
LEAVE_STATUS = {RequestStatus.APPROVED: "CONFIRMED", RequestStatus.PENDING: "TENTATIVE"}


def _event() -> Event:
    # icalendar (about 2 MB) is imported by the request that builds a feed, not by every worker.
    from icalendar import Event

    return Event()


def calendar_feed_by_token(token: str) -> CalendarFeed | None:
    """The feed with this token whose owner's account is open; None otherwise (a rotated token
    is simply unknown)."""
    return CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()


def _leave_event(request: LeaveRequest, now: datetime) -> Event:
    event = _event()
    event.add("uid", f"leave-{request.uuid}@{UID_DOMAIN}")
    event.add("dtstamp", now)
    event.add("last-modified", request.updated_at)
    event.add("dtstart", request.start_date)
    event.add("dtend", request.end_date + timedelta(days=1))
    pending = request.status == RequestStatus.PENDING
    event.add("summary", f"{request.leave_type.name}{' (pending)' if pending else ''}")
    halves = []
    if request.start_half == StartHalf.AFTERNOON:
        halves.append(f"{request.start_date}: afternoon only")
    if request.end_half == EndHalf.MORNING:
        halves.append(f"{request.end_date}: morning only")
    if halves:
        event.add("description", "; ".join(halves))
    event.add("status", LEAVE_STATUS[request.status])
    event.add("categories", ["Leave"])
    return event


def _holiday_event(item, now: datetime) -> Event:
    event = _event()
    if item.id is not None:
        uid = f"holiday-{item.id}@{UID_DOMAIN}"
    else:
        place = "-".join(part for part in (item.country, item.subdivision) if part)
        uid = f"holiday-{place}-{item.date.isoformat()}@{UID_DOMAIN}"
    event.add("uid", uid)
    event.add("dtstamp", now)
    event.add("dtstart", item.date)
    event.add("dtend", item.date + timedelta(days=1))
    event.add("summary", f"{item.name}{' (half day)' if item.half_day else ''}")
    event.add("transp", "TRANSPARENT")
    event.add("categories", ["Holiday"])
    return event


def _appointment_event(appointment, user: User, now: datetime) -> Event:
    event = _event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", appointment.ics_sequence)
    event.add("dtstamp", now)
    event.add("dtstart", appointment.start_utc)
    event.add("dtend", appointment.end_utc)
    other = appointment.customer if appointment.staff_id == user.pk else appointment.staff
    event.add("summary", f"{appointment.service.name} with {other.name}")
    if appointment.location:
        event.add("location", appointment.location)
    event.add("status", APPOINTMENT_STATUS[appointment.status])
    event.add("categories", ["Appointment"])
    return event


def _entry_event(entry, now: datetime) -> Event:
    event = _event()
    event.add("uid", f"time-entry-{entry.uuid}@{UID_DOMAIN}")
    event.add("dtstamp", now)
    event.add("last-modified", entry.updated_at)
    event.add("dtstart", entry.start)
    event.add("dtend", entry.end or max(now, entry.start + timedelta(minutes=1)))
    project = f"{entry.project.code}: " if entry.project_id else ""
    event.add("summary", f"{project}{entry.activity or 'Work'}{' (running)' if entry.end is None else ''}")
    if entry.notes:
        event.add("description", entry.notes)
    event.add("transp", "TRANSPARENT")
    event.add("categories", ["Time entry"])
    return event


def feed_window(user: User, now: datetime) -> tuple[date, date]:
    today = local_today(user, now)
    return today - timedelta(days=settings.CALENDAR_FEED_PAST_DAYS), today + timedelta(
        days=settings.CALENDAR_FEED_FUTURE_DAYS
    )


def calendar_feed_ics(*, user: User, entries: bool = False, now: datetime | None = None) -> bytes:
    """`user`'s calendar as an iCalendar file. Four queries (leave, company holidays,
    appointments, and entries when asked), whatever the number of events."""
    from icalendar import Calendar  # see _event

    now = now or timezone.now()
    first, last = feed_window(user, now)
    zone = user_zone(user)
    calendar = Calendar()
    calendar.add("prodid", f"-//{settings.APP_NAME}//Calendar feed//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"{settings.APP_NAME}: {user.name}")
    calendar.add("x-wr-timezone", zone.key)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    requests = (
        leave_request_list(actor=user)
        .filter(user=user, status__in=tuple(LEAVE_STATUS), start_date__lte=last, end_date__gte=first)
        .order_by("start_date", "id")
    )
    for request in requests:
        calendar.add_component(_leave_event(request, now))
    for item in holiday_list(country=user.country, subdivision=user.subdivision, start=first, end=last):
        calendar.add_component(_holiday_event(item, now))
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    appointments = (
        appointment_list(actor=user)
        .filter(Q(customer=user) | Q(staff=user), start_utc__lt=end, end_utc__gt=start)
        .order_by("start_utc", "id")
    )
    for appointment in appointments:
        calendar.add_component(_appointment_event(appointment, user, now))
    if entries:
        rows = (
            time_entry_list(actor=user)
            .filter(user=user, start__gte=start, start__lt=end)
            .select_related(None)
            .select_related("project")
            .order_by("start", "id")
        )
        for entry in rows:
            calendar.add_component(_entry_event(entry, now))
    return calendar.to_ical()
