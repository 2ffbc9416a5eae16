"""The staff console's start page: what waits for the signed-in STAFF or ADMIN member first, then
charts of their scope (a STAFF member's direct reports and themself; everyone for an ADMIN).

Waiting (read on every visit, a few small queries): leave requests waiting for a decision (not
their own), today's appointments (those they serve or booked; all for an ADMIN), and this month's
working-time violations in their scope.

Charts (cached per person for CONSOLE_CHARTS_SECONDS, with the month's violations, which read
every entry of the month): hours per week over the last 12 weeks, top projects of the last 30
days, pending leave requests by type, this month's violations by rule, appointments per day for
the next 14 days.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F
from django.utils import timezone
from django.utils.safestring import SafeString

from accounts.models import User
from analytics.charts import Bar, bar_chart, column_chart, count, hours
from analytics.selectors.compliance import team_compliance
from analytics.selectors.scope import WEEK_START_WEEKDAY, ReportQuery, user_zone, week_start_of
from analytics.selectors.sql import LocalDate
from analytics.selectors.summary import summary_report, week_label
from leave.models import RequestStatus
from leave.selectors.requests import leave_request_list
from scheduling.models import ACTIVE_STATUSES as ACTIVE_APPOINTMENTS
from scheduling.selectors import appointment_list
from tracking.compliance import MAX_DAILY, MAX_WEEKLY, MIN_REST

LISTED = 8
RULE_NAMES = {MAX_WEEKLY: "Weekly maximum", MAX_DAILY: "Daily maximum", MIN_REST: "Daily rest"}


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: SafeString


@dataclass(frozen=True)
class OpenViolation:
    user: User
    rule: str
    date: date
    message: str


@dataclass(frozen=True)
class StartPage:
    pending_leave: list
    pending_leave_count: int
    appointments_today: list
    appointments_today_count: int
    violations: list[OpenViolation]
    violation_count: int
    charts: list[Chart]


def _midnight(day: date, zone) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def _month_violations(actor: User, now: datetime) -> list[OpenViolation]:
    zone = user_zone(actor)
    start = _midnight(now.astimezone(zone).date().replace(day=1), zone)
    report = team_compliance(actor=actor, start=start, end=now)
    found = [
        OpenViolation(user=person.user, rule=v.rule, date=v.date, message=v.message)
        for person in report.people
        for v in person.violations
    ]
    return sorted(found, key=lambda v: (v.date, v.user.email), reverse=True)


def _hours_per_week(actor: User, now: datetime) -> Chart:
    zone, week_start = user_zone(actor), week_start_of(actor)
    today = now.astimezone(zone).date()
    this_week = today - timedelta(days=(today.weekday() - WEEK_START_WEEKDAY[week_start]) % 7)
    first = this_week - timedelta(weeks=11)
    query = ReportQuery(
        actor=actor,
        start=_midnight(first, zone),
        end=_midnight(this_week + timedelta(weeks=1), zone),
        zone=zone,
        now=now,
        week_start=week_start,
    )
    seconds = {group.key: group.seconds for group in summary_report(query=query, group="week").groups}
    weeks = [first + timedelta(weeks=n) for n in range(12)]
    bars = [Bar(f"{week:%d %b}", seconds.get(week.isoformat(), 0), week_label(week, week_start)) for week in weeks]
    title = "Hours per week, last 12 weeks"
    return Chart("hours-per-week", title, column_chart(key="hours-per-week", title=title, bars=bars, value_text=hours))


def _top_projects(actor: User, now: datetime) -> Chart:
    zone = user_zone(actor)
    query = ReportQuery(actor=actor, start=now - timedelta(days=30), end=now, zone=zone, now=now)
    groups = sorted(summary_report(query=query, group="project").groups, key=lambda g: -g.seconds)[:LISTED]
    bars = [Bar(group.label.split(" — ")[0], group.seconds, group.label) for group in groups]
    title = "Top projects, last 30 days"
    return Chart("top-projects", title, bar_chart(key="top-projects", title=title, bars=bars, value_text=hours))


def _pending_by_type(actor: User) -> Chart:
    rows = (
        leave_request_list(actor=actor)
        .filter(status=RequestStatus.PENDING)
        .exclude(user=actor)
        .values(code=F("leave_type__code"), name=F("leave_type__name"))
        .annotate(requests=Count("pk"))
        .order_by("code")
    )
    bars = [Bar(row["code"], row["requests"], row["name"]) for row in rows]
    title = "Leave requests waiting for a decision, by type"
    return Chart("pending-leave", title, bar_chart(key="pending-leave", title=title, bars=bars, value_text=count))


def _violations_by_rule(violations: list[OpenViolation]) -> Chart:
    counts = Counter(v.rule for v in violations)
    bars = [Bar(name, counts.get(rule, 0)) for rule, name in RULE_NAMES.items()]
    title = "Working-time violations this month"
    return Chart("violations", title, column_chart(key="violations", title=title, bars=bars, value_text=count))


def _appointments_per_day(actor: User, now: datetime) -> Chart:
    zone = user_zone(actor)
    today = now.astimezone(zone).date()
    days = [today + timedelta(days=n) for n in range(14)]
    rows = dict(
        appointment_list(actor=actor)
        .filter(
            status__in=ACTIVE_APPOINTMENTS,
            start_utc__gte=_midnight(today, zone),
            start_utc__lt=_midnight(days[-1] + timedelta(days=1), zone),
        )
        .annotate(day=LocalDate("start_utc", zone))
        .values("day")
        .annotate(appointments=Count("pk"))
        .order_by()
        .values_list("day", "appointments")
    )
    bars = [Bar(f"{day:%a %d}", rows.get(day, 0), f"{day:%A %d %B}") for day in days]
    title = "Appointments per day, next 14 days"
    return Chart("appointments", title, column_chart(key="appointments", title=title, bars=bars, value_text=count))


def _charts_and_violations(actor: User, now: datetime) -> tuple[list[Chart], list[OpenViolation]]:
    violations = _month_violations(actor, now)
    charts = [
        _hours_per_week(actor, now),
        _top_projects(actor, now),
        _pending_by_type(actor),
        _violations_by_rule(violations),
        _appointments_per_day(actor, now),
    ]
    return charts, violations


def console_start(*, actor: User, now: datetime | None = None) -> StartPage:
    now = now or timezone.now()
    key = f"analytics:console:{actor.pk}"
    cached = cache.get(key)
    if cached is None:
        cached = _charts_and_violations(actor, now)
        cache.set(key, cached, settings.CONSOLE_CHARTS_SECONDS)
    charts, violations = cached
    pending = (
        leave_request_list(actor=actor).filter(status=RequestStatus.PENDING).exclude(user=actor).order_by("start_date")
    )
    zone = user_zone(actor)
    today = now.astimezone(zone).date()
    appointments = appointment_list(actor=actor).filter(
        status__in=ACTIVE_APPOINTMENTS,
        start_utc__gte=_midnight(today, zone),
        start_utc__lt=_midnight(today + timedelta(days=1), zone),
    )
    return StartPage(
        pending_leave=list(pending[:LISTED]),
        pending_leave_count=pending.count(),
        appointments_today=list(appointments.order_by("start_utc")[:LISTED]),
        appointments_today_count=appointments.count(),
        violations=violations[:LISTED],
        violation_count=len(violations),
        charts=charts,
    )
