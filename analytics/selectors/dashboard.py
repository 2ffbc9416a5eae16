"""The requester's dashboard: their week at a glance, in a fixed number of queries.

- hours per day of their week (their week start, their zone) and the week's top projects: one
  aggregate by day and project;
- the running timer: one query;
- leave balances of this year: leave's own selector (three queries);
- the next appointments they serve or booked: one query;
- their focus groups' current period: one query for the memberships and one aggregate with a
  conditional sum per group (each group's period is its own day, week or month in its zone).

Eight queries for someone in focus groups (nine with the week-start setting), seven otherwise,
however many entries, groups or appointments there are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import DateTimeField, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from accounts.models import User
from analytics.selectors.scope import WEEK_START_WEEKDAY, user_zone, week_start_of
from analytics.selectors.sql import ElapsedSeconds, LocalDate, entry_seconds
from groups.models import GroupStatus, Membership
from groups.selectors import period_bounds
from leave.selectors.balances import Balance, leave_balances
from scheduling.models import ACTIVE_STATUSES as ACTIVE_APPOINTMENTS
from scheduling.selectors import appointment_list
from tracking.models import TimeEntry
from tracking.selectors import time_entry_list, time_entry_running

TOP_PROJECTS = 5
NEXT_APPOINTMENTS = 5


@dataclass(frozen=True)
class FocusGroupProgress:
    membership: Membership
    period_start: datetime
    period_end: datetime
    seconds: int

    @property
    def minutes(self) -> int:
        return self.seconds // 60

    @property
    def goal_minutes(self) -> int:
        return self.membership.goal_minutes or self.membership.group.goal_minutes

    @property
    def percent(self) -> int:
        return self.minutes * 100 // self.goal_minutes


@dataclass(frozen=True)
class Dashboard:
    user: User
    timezone: str
    first_day: date
    days: list[dict]
    top_projects: list[dict]
    running: TimeEntry | None
    leave_balances: list[Balance]
    next_appointments: list
    focus_groups: list[FocusGroupProgress]
    now: datetime

    @property
    def week_seconds(self) -> int:
        return sum(day["seconds"] for day in self.days)


def _week(user: User, now: datetime) -> tuple[date, datetime, datetime]:
    zone = user_zone(user)
    today = now.astimezone(zone).date()
    first = today - timedelta(days=(today.weekday() - WEEK_START_WEEKDAY[week_start_of(user)]) % 7)
    start = datetime.combine(first, time.min, tzinfo=zone)
    return first, start, datetime.combine(first + timedelta(days=7), time.min, tzinfo=zone)


def _week_by_day_and_project(user: User, first: date, start: datetime, end: datetime, now: datetime):
    rows = (
        time_entry_list(actor=user)
        .filter(user=user, start__gte=start, start__lt=end)
        .annotate(
            local_day=LocalDate("start", user_zone(user)),
            row_project_id=F("project__uuid"),
            row_project_code=F("project__code"),
            row_project_name=F("project__name"),
        )
        .values("local_day", "row_project_id", "row_project_code", "row_project_name")
        .annotate(seconds=Sum(entry_seconds(now), default=0))
        .order_by()
    )
    per_day: dict[date, int] = defaultdict(int)
    per_project: dict = {}
    for row in rows:
        per_day[row["local_day"]] += row["seconds"]
        if row["row_project_id"] is not None:
            key = row["row_project_id"]
            project = per_project.setdefault(
                key, {"id": key, "code": row["row_project_code"], "name": row["row_project_name"], "seconds": 0}
            )
            project["seconds"] += row["seconds"]
    days = [{"date": first + timedelta(days=n), "seconds": per_day[first + timedelta(days=n)]} for n in range(7)]
    top = sorted(per_project.values(), key=lambda p: (-p["seconds"], p["code"]))[:TOP_PROJECTS]
    return days, top


def focus_group_progress(*, user: User, now: datetime) -> list[FocusGroupProgress]:
    """The user's time in each of their active groups' sessions during the group's current
    period (laps clipped to it, a running lap up to now). Two queries."""
    memberships = list(
        Membership.objects.filter(user=user, group__status=GroupStatus.ACTIVE)
        .select_related("group")
        .order_by("group__name", "group_id")
    )
    if not memberships:
        return []
    bounds = {
        m.group_id: period_bounds(period=m.group.period, zone_name=m.group.timezone, now=now) for m in memberships
    }
    until = Coalesce(F("end"), Value(now, output_field=DateTimeField()))
    sums = {}
    for group_id, (start, end) in bounds.items():
        clipped = ElapsedSeconds(
            Least(until, Value(end, output_field=DateTimeField())),
            Greatest(F("start"), Value(start, output_field=DateTimeField())),
        )
        sums[f"group_{group_id}"] = Sum(
            clipped,
            filter=Q(session__group_link__group_id=group_id, start__lt=end) & (Q(end__gt=start) | Q(end__isnull=True)),
            default=0,
        )
    totals = TimeEntry.objects.filter(user=user, session__group_link__group_id__in=list(bounds)).aggregate(**sums)
    return [
        FocusGroupProgress(
            membership=m,
            period_start=bounds[m.group_id][0],
            period_end=bounds[m.group_id][1],
            seconds=max(0, totals[f"group_{m.group_id}"] or 0),
        )
        for m in memberships
    ]


def dashboard(*, user: User, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    first, start, end = _week(user, now)
    days, top = _week_by_day_and_project(user, first, start, end, now)
    appointments = list(
        appointment_list(actor=user)
        .filter(Q(customer=user) | Q(staff=user), status__in=ACTIVE_APPOINTMENTS, end_utc__gt=now)
        .order_by("start_utc", "id")[:NEXT_APPOINTMENTS]
    )
    return Dashboard(
        user=user,
        timezone=user_zone(user).key,
        first_day=first,
        days=days,
        top_projects=top,
        running=time_entry_running(user=user),
        leave_balances=leave_balances(user=user, year=now.astimezone(user_zone(user)).year),
        next_appointments=appointments,
        focus_groups=focus_group_progress(user=user, now=now),
        now=now,
    )
