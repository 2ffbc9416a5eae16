"""Reads: who sees which appointments and services, and the batched reads the availability
function makes (schedules, overrides, work hours, holidays, approved leave, busy time) — one
query each, whatever the number of staff members or days.

Two reads here are over leave's models because leave does not offer them (yet) in batches:
`approved_leave` (approved requests of many users over a date range) and `work_hours`
(work patterns of many users); `holidays_by_user` uses leave's own holiday selectors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from accounts.models import Role, User
from leave.models import Holiday as CompanyHoliday
from leave.models import LeaveRequest, RequestStatus, WorkPattern
from leave.selectors.days import (
    HolidayItem,
    company_holiday_scope,
    default_week_hours,
    pattern_hours,
    public_holidays,
)
from scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AvailabilityOverride,
    AvailabilitySchedule,
    Service,
)

# --- Visibility -----------------------------------------------------------------------------


def service_list(*, actor: User) -> QuerySet[Service]:
    """Active services for everyone; an ADMIN sees inactive ones too."""
    services = Service.objects.prefetch_related("staff").order_by("name", "id")
    if not actor.is_admin_role:
        services = services.filter(active=True)
    return services


def service_find(*, actor: User, service_id) -> Service | None:
    """One service `actor` may book (active, or any for an ADMIN), without its staff list."""
    services = Service.objects.filter(uuid=service_id)
    if not actor.is_admin_role:
        services = services.filter(active=True)
    return services.first()


def appointment_list(*, actor: User) -> QuerySet[Appointment]:
    """Appointments `actor` may see (and address by id): a USER their own bookings; a STAFF those
    they serve and those they booked; an ADMIN all."""
    appointments = Appointment.objects.select_related("customer", "staff", "service")
    if actor.role == Role.ADMIN:
        return appointments
    if actor.role == Role.STAFF:
        return appointments.filter(Q(customer=actor) | Q(staff=actor))
    return appointments.filter(customer=actor)


def staff_member(*, user_id) -> User | None:
    """The active STAFF or ADMIN account with this public id (anyone else: None)."""
    return User.objects.filter(uuid=user_id, is_active=True, role__in=(Role.STAFF, Role.ADMIN)).first()


def override_list(*, staff: User) -> QuerySet[AvailabilityOverride]:
    return AvailabilityOverride.objects.filter(staff=staff).order_by("date")


def schedule_on(*, staff: User, on: date) -> AvailabilitySchedule | None:
    """The weekly schedule in effect on `on` (None if none has started by then)."""
    return AvailabilitySchedule.objects.filter(staff=staff, valid_from__lte=on).order_by("-valid_from").first()


def appointments_clashing(
    *,
    staff: User,
    start_date: date,
    end_date: date,
    start_half: str = "full",
    end_half: str = "full",
) -> list[Appointment]:
    """`staff`'s active appointments that fall in days off from `start_date` to `end_date` (their
    own calendar dates; `start_half="afternoon"` / `end_half="morning"` as on a leave request),
    in start order. What approving such leave would clash with: the leave console can show it."""
    from scheduling.availability import LeaveSpan

    (found,) = appointments_clashing_leave([(staff, LeaveSpan(start_date, end_date, start_half, end_half))])
    return found


def appointments_clashing_leave(spans: Sequence[tuple[User, Any]]) -> list[list[Appointment]]:
    """`appointments_clashing` for many (staff member, leave span) pairs at once, in their order;
    a span is anything with `start_date`, `end_date`, `start_half` and `end_half` (a leave request,
    saved or not). One query when none of the staff members has an appointment near their dates
    (the usual case), four at most otherwise, whatever the number of spans."""
    from scheduling.availability import leave_blocks_of

    if not spans:
        return []
    # A rough look first (a day's margin for any zone): each staff member's appointments around
    # all of their spans, then the exact half days from their calendars.
    around: dict[int, tuple[date, date]] = {}
    for member, span in spans:
        first, last = around.get(member.pk, (span.start_date, span.end_date))
        around[member.pk] = (min(first, span.start_date), max(last, span.end_date))
    near = Q()
    for staff_id, (first, last) in around.items():
        near |= Q(
            staff_id=staff_id,
            start_utc__lt=datetime.combine(last + timedelta(days=2), time(), tzinfo=UTC),
            end_utc__gt=datetime.combine(first - timedelta(days=1), time(), tzinfo=UTC),
        )
    candidates: dict[int, list[Appointment]] = defaultdict(list)
    rows = Appointment.objects.filter(near, status__in=ACTIVE_STATUSES).select_related("customer", "staff", "service")
    for appointment in rows.order_by("start_utc", "id"):
        candidates[appointment.staff_id].append(appointment)
    busy = [(member, span) for member, span in spans if candidates.get(member.pk)]
    blocks = iter(leave_blocks_of(busy))
    found = []
    for member, _ in spans:
        if not candidates.get(member.pk):
            found.append([])
            continue
        own = next(blocks)
        found.append(
            [a for a in candidates[member.pk] if any(a.start_utc < end and a.end_utc > start for start, end in own)]
        )
    return found


# --- Batched reads for the availability function ---------------------------------------------


def schedules_by_user(users: Sequence[User], until: date) -> dict[int, list[AvailabilitySchedule]]:
    """Each user's schedules that start by `until`, oldest first."""
    found: dict[int, list[AvailabilitySchedule]] = defaultdict(list)
    rows = AvailabilitySchedule.objects.filter(staff__in=[u.pk for u in users], valid_from__lte=until)
    for schedule in rows.order_by("valid_from"):
        found[schedule.staff_id].append(schedule)
    return found


def overrides_by_user(users: Sequence[User], start: date, end: date) -> dict[int, dict[date, AvailabilityOverride]]:
    found: dict[int, dict[date, AvailabilityOverride]] = defaultdict(dict)
    rows = AvailabilityOverride.objects.filter(staff__in=[u.pk for u in users], date__gte=start, date__lte=end)
    for override in rows:
        found[override.staff_id][override.date] = override
    return found


def work_hours(users: Sequence[User], until: date) -> dict[int, Callable[[date], Decimal]]:
    """For each user, a function giving their work pattern's hours on a date (leave's patterns;
    LEAVE_DEFAULT_WEEK_HOURS for anyone without one). One query for all users."""
    patterns: dict[int, list[WorkPattern]] = defaultdict(list)
    rows = WorkPattern.objects.filter(user__in=[u.pk for u in users], valid_from__lte=until).order_by("valid_from")
    for pattern in rows:
        patterns[pattern.user_id].append(pattern)
    default = default_week_hours()
    return {user.pk: pattern_hours(patterns[user.pk], default) for user in users}


def holidays_by_user(users: Sequence[User], start: date, end: date) -> dict[int, dict[date, HolidayItem]]:
    """Each user's public holidays (their country and subdivision) and company holidays between
    two dates; of two on one day the full one counts, as in leave's costing. One query."""
    scope = Q()
    for user in users:
        scope |= company_holiday_scope(user.country, user.subdivision)
    company = list(CompanyHoliday.objects.filter(scope, date__gte=start, date__lte=end)) if users else []
    found: dict[int, dict[date, HolidayItem]] = {}
    for user in users:
        items = public_holidays(country=user.country, subdivision=user.subdivision, start=start, end=end)
        items += [
            HolidayItem(h.date, h.name, "company", h.half_day, h.country, h.subdivision, h.uuid)
            for h in company
            if h.country == "" or (h.country == user.country and h.subdivision in ("", user.subdivision))
        ]
        days: dict[date, HolidayItem] = {}
        for item in items:
            if item.date not in days or (days[item.date].half_day and not item.half_day):
                days[item.date] = item
        found[user.pk] = days
    return found


def approved_leave(users: Iterable[User], start: date, end: date) -> dict[int, list[LeaveRequest]]:
    """Each user's approved leave that touches `start`..`end` (inclusive dates)."""
    found: dict[int, list[LeaveRequest]] = defaultdict(list)
    rows = LeaveRequest.objects.filter(
        user__in=[u.pk for u in users], status=RequestStatus.APPROVED, start_date__lte=end, end_date__gte=start
    ).select_related("leave_type")
    for request in rows.order_by("start_date", "id"):
        found[request.user_id].append(request)
    return found


@dataclass(frozen=True)
class BusyRange:
    staff_id: int
    start: datetime
    end: datetime
    appointment: str  # public id


def busy_ranges(
    users: Sequence[User], start: datetime, end: datetime, *, exclude: Appointment | None = None
) -> dict[int, list[BusyRange]]:
    """Blocked ranges (appointment widened by its buffers) of the users' active appointments that
    touch `start`..`end`; `exclude` (an appointment being moved) does not count."""
    rows = Appointment.objects.filter(
        staff__in=[u.pk for u in users], status__in=ACTIVE_STATUSES, blocked_from__lt=end, blocked_until__gt=start
    )
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    found: dict[int, list[BusyRange]] = defaultdict(list)
    for staff_id, blocked_from, blocked_until, public_id in rows.order_by("blocked_from").values_list(
        "staff_id", "blocked_from", "blocked_until", "uuid"
    ):
        found[staff_id].append(BusyRange(staff_id, blocked_from, blocked_until, str(public_id)))
    return found


def zone_of(name: str) -> ZoneInfo:
    return ZoneInfo(name or "UTC")
