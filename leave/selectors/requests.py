"""Reads of leave requests: who sees which, overlaps, teams and the calendar."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from accounts.models import Role, User
from accounts.selectors import user_list
from config.errors import NotFound, ValidationFailed
from leave.hooks import request_clashes
from leave.models import ACTIVE_STATUSES, EndHalf, Holiday, LeaveRequest, LeaveType, RequestStatus, StartHalf
from leave.selectors.days import HolidayItem, company_holiday_scope, public_holidays


def visible_users(*, actor: User) -> QuerySet[User]:
    """Whose leave `actor` may see: their own; a STAFF also their direct reports; an ADMIN everyone's."""
    return user_list(actor=actor)


def leave_request_list(*, actor: User) -> QuerySet[LeaveRequest]:
    """Requests `actor` may see (and address by id): their own, their reports' for a STAFF, all for
    an ADMIN. The API lists only your own unless asked for `user` or `team`."""
    requests = LeaveRequest.objects.select_related("user", "leave_type", "approver")
    if actor.role == Role.ADMIN:
        return requests
    if actor.role == Role.STAFF:
        return requests.filter(Q(user=actor) | Q(user__manager=actor))
    return requests.filter(user=actor)


# Sorts pending requests before decided ones (the approval console's order).
PENDING_FIRST = Case(When(status=RequestStatus.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())


def leave_type_list(*, actor: User, include_inactive: bool = False) -> QuerySet[LeaveType]:
    """Active types for everyone; an ADMIN may ask for inactive ones too."""
    types = LeaveType.objects.all()
    if not (include_inactive and actor.is_admin_role):
        types = types.filter(active=True)
    return types.order_by("code")


def half_day_units(start: date, start_half: str, end: date, end_half: str) -> tuple[int, int]:
    """The request as a half-open range of half days (morning of day d = 2·d, afternoon = 2·d + 1),
    the same arithmetic as PostgreSQL's exclusion constraint: adjacent half days do not overlap."""
    low = 2 * start.toordinal() + (1 if start_half == StartHalf.AFTERNOON else 0)
    high = 2 * end.toordinal() + (1 if end_half == EndHalf.MORNING else 2)
    return low, high


def overlapping_requests(
    *,
    user: User,
    start_date: date,
    end_date: date,
    start_half: str,
    end_half: str,
    exclude: LeaveRequest | None = None,
) -> list[LeaveRequest]:
    """`user`'s pending or approved requests that share at least a half day with the range."""
    candidates = LeaveRequest.objects.filter(
        user=user, status__in=ACTIVE_STATUSES, start_date__lte=end_date, end_date__gte=start_date
    ).select_related("leave_type")
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    low, high = half_day_units(start_date, start_half, end_date, end_half)
    found = []
    for other in candidates.order_by("start_date", "id"):
        other_low, other_high = half_day_units(other.start_date, other.start_half, other.end_date, other.end_half)
        if other_low < high and low < other_high:
            found.append(other)
    return found


def team_q(user: User) -> Q:
    """`user`'s team: people with the same manager, and `user`'s own direct reports (not `user`)."""
    team = Q(manager=user)
    if user.manager_id is not None:
        team |= Q(manager_id=user.manager_id)
    return team & ~Q(pk=user.pk) & Q(is_active=True)


def team_off_count(*, user: User, start: date, end: date) -> int:
    """How many of `user`'s team have pending or approved leave on any day of the range."""
    return (
        LeaveRequest.objects.filter(
            user__in=User.objects.filter(team_q(user)),
            status__in=ACTIVE_STATUSES,
            start_date__lte=end,
            end_date__gte=start,
        )
        .values("user_id")
        .distinct()
        .count()
    )


def clashes_elsewhere(requests: Sequence[LeaveRequest]) -> list[list[dict]]:
    """For each request, what the apps registered in leave.hooks.request_clashes find clashing with
    it (appointments, say), each a dict with `kind`, `id`, `start_utc`, `end_utc` and `message`.
    Only pending and approved requests are asked about; the rest clash with nothing. One call of
    each registered function for all the requests."""
    found: list[list[dict]] = [[] for _ in requests]
    asked = [index for index, request in enumerate(requests) if request.status in ACTIVE_STATUSES]
    if not asked:
        return found
    for result in request_clashes.call([requests[index] for index in asked]):
        for index, items in zip(asked, result, strict=True):
            found[index].extend(items)
    return found


def teammates_off(requests: Iterable[LeaveRequest]) -> dict[int, int]:
    """For each request (by pk): how many of its requester's teammates are off in its range. Two
    queries for any number of requests (the admin's list)."""
    requests = list(requests)
    if not requests:
        return {}
    requesters = {r.user_id: r.user for r in requests}
    managers = {u.manager_id for u in requesters.values() if u.manager_id} | set(requesters)
    people = list(User.objects.filter(Q(manager_id__in=managers), is_active=True).values_list("pk", "manager_id"))
    start = min(r.start_date for r in requests)
    end = max(r.end_date for r in requests)
    off = list(
        LeaveRequest.objects.filter(
            user_id__in=[pk for pk, _ in people],
            status__in=ACTIVE_STATUSES,
            start_date__lte=end,
            end_date__gte=start,
        ).values_list("user_id", "start_date", "end_date")
    )
    counts = {}
    for request in requests:
        requester = requesters[request.user_id]
        team = {
            pk for pk, manager_id in people if pk != requester.pk and manager_id in (requester.pk, requester.manager_id)
        }
        counts[request.pk] = len(
            {user_id for user_id, s, e in off if user_id in team and s <= request.end_date and e >= request.start_date}
        )
    return counts


@dataclass(frozen=True)
class Calendar:
    requests: list[LeaveRequest]
    holidays: list[HolidayItem]


def leave_calendar(*, actor: User, start: date, end: date) -> Calendar:
    """Who is off between two dates (inclusive): a USER's own leave, a STAFF's reports' (and own),
    everyone's for an ADMIN; pending and approved requests. Holidays for each location among them
    and the actor's own (public ones from the calendar package, company ones in one query)."""
    users = visible_users(actor=actor)
    requests = list(
        LeaveRequest.objects.filter(
            user__in=users.values("pk"), status__in=ACTIVE_STATUSES, start_date__lte=end, end_date__gte=start
        )
        .select_related("user", "leave_type")
        .order_by("start_date", "user__email", "id")
    )
    locations = {(r.user.country, r.user.subdivision) for r in requests} | {(actor.country, actor.subdivision)}
    items = []
    for country, subdivision in sorted(locations):
        items += public_holidays(country=country, subdivision=subdivision, start=start, end=end)
    scope = Q()
    for country, subdivision in locations:
        scope |= company_holiday_scope(country, subdivision)
    items += [
        HolidayItem(h.date, h.name, "company", h.half_day, h.country, h.subdivision, h.uuid)
        for h in Holiday.objects.filter(scope, date__gte=start, date__lte=end)
    ]
    holidays = sorted(items, key=lambda i: (i.date, i.source != "public", i.country, i.subdivision, i.name))
    return Calendar(requests=requests, holidays=holidays)


def visible_user(*, actor: User, user_id: UUID | None) -> User:
    """`actor` themself, or the user with public id `user_id` if `actor` may see their leave (404 if not)."""
    if user_id is None or user_id == actor.uuid:
        return actor
    found = visible_users(actor=actor).filter(uuid=user_id).first()
    if found is None:
        raise NotFound("User not found.")
    return found


def leave_type_by_code(*, code: str, field: str = "type") -> LeaveType:
    """The type with this code (any case); a 400 naming `field` for an unknown one."""
    found = LeaveType.objects.filter(code=code.strip().upper()).first()
    if found is None:
        message = f"No leave type with code {code!r}."
        raise ValidationFailed(f"{field}: {message}", fields={field: [message]})
    return found
