"""The working-time account: what a person was expected to work, what they worked, the leave
credited to them, and the balance, per day, per ISO week and in total.

For each calendar day (in the person's own zone, as leave counts days):

- expected = the hours of their work pattern that weekday (leave.selectors.days.hours_on),
  minus holidays at their location (public and company, leave.selectors.days.holiday_list): a
  full holiday takes the whole day, a half-day holiday half of it;
- worked = the seconds of their entries that start that day (a running timer up to now), as the
  summary report counts them;
- leave = approved leave that day, credited at that day's expected seconds; a half day of
  leave (the afternoon of its first day, the morning of its last) is credited half;
- balance = worked + leave - expected, and the cumulative balance is its running sum from
  the first day of the window.

One query per source, whatever the length of the window: work patterns, company holidays,
approved leave, and one aggregate of the entries by local day (plus one to find the person when
it is not the requester).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from accounts.selectors import user_list
from analytics.selectors.scope import user_zone
from analytics.selectors.sql import LocalDate, entry_seconds
from config.errors import NotFound
from leave.models import EndHalf, RequestStatus, StartHalf
from leave.selectors.days import days_between, holiday_list, hours_on
from leave.selectors.requests import leave_request_list
from tracking.selectors import time_entry_list

HALF = Decimal("0.5")
ONE = Decimal("1")


@dataclass
class Figures:
    expected_seconds: int = 0
    worked_seconds: int = 0
    leave_seconds: int = 0
    cumulative_balance_seconds: int = 0

    @property
    def balance_seconds(self) -> int:
        return self.worked_seconds + self.leave_seconds - self.expected_seconds

    def add(self, other: Figures) -> None:
        self.expected_seconds += other.expected_seconds
        self.worked_seconds += other.worked_seconds
        self.leave_seconds += other.leave_seconds


@dataclass
class DayFigures(Figures):
    date: date | None = None
    holiday: str | None = None
    leave: str | None = None  # the leave type's code


@dataclass
class WeekFigures(Figures):
    week: str = ""
    first_day: date | None = None
    last_day: date | None = None


@dataclass(frozen=True)
class TimeAccount:
    user: User
    start: date
    end: date
    timezone: str
    days: list[DayFigures]
    weeks: list[WeekFigures]
    total: Figures = field(default_factory=Figures)


def _person(actor: User, user_id: UUID | None) -> User:
    if user_id is None or user_id == actor.uuid:
        return actor
    person = user_list(actor=actor).select_related(None).filter(uuid=user_id).first()
    if person is None:
        raise NotFound("No user with this id that you may see.", code="user_not_found", fields={"user": ["Not found."]})
    return person


def _leave_portion(day: date, request) -> Decimal:
    portion = ONE
    if day == request.start_date and request.start_half == StartHalf.AFTERNOON:
        portion -= HALF
    if day == request.end_date and request.end_half == EndHalf.MORNING:
        portion -= HALF
    return portion


def time_account(
    *, actor: User, start: date, end: date, user_id: UUID | None = None, now: datetime | None = None
) -> TimeAccount:
    """The account of `actor`, or of the user with public id `user_id` (one `actor` may see:
    NotFound otherwise), for the days `start`..`end` inclusive."""
    now = now or timezone.now()
    person = _person(actor, user_id)
    zone = user_zone(person)
    hours = hours_on(user=person, end=end)
    holidays: dict[date, tuple[str, bool]] = {}
    for item in holiday_list(country=person.country, subdivision=person.subdivision, start=start, end=end):
        # Of two holidays on one day, the full one counts (as leave costs them).
        if item.date not in holidays or (holidays[item.date][1] and not item.half_day):
            holidays[item.date] = (item.name, item.half_day)
    leave: dict[date, tuple[Decimal, str]] = {}
    approved = (
        leave_request_list(actor=actor)
        .filter(user=person, status=RequestStatus.APPROVED, start_date__lte=end, end_date__gte=start)
        .order_by("start_date")
    )
    for request in approved:
        for day in days_between(max(start, request.start_date), min(end, request.end_date)):
            portion, _ = leave.get(day, (Decimal(0), ""))
            leave[day] = (min(ONE, portion + _leave_portion(day, request)), request.leave_type.code)
    window = (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )
    worked = dict(
        time_entry_list(actor=actor)
        .filter(user=person, start__gte=window[0], start__lt=window[1])
        .annotate(local_day=LocalDate("start", zone))
        .values("local_day")
        .annotate(seconds=Sum(entry_seconds(now), default=0))
        .order_by()
        .values_list("local_day", "seconds")
    )
    days: list[DayFigures] = []
    weeks: list[WeekFigures] = []
    total = Figures()
    for day in days_between(start, end):
        holiday = holidays.get(day)
        share = ONE if holiday is None else (HALF if holiday[1] else Decimal(0))
        expected = int(hours(day) * 3600 * share)
        portion, leave_code = leave.get(day, (Decimal(0), None))
        figures = DayFigures(
            date=day,
            expected_seconds=expected,
            worked_seconds=worked.get(day, 0),
            leave_seconds=int(expected * portion),
            holiday=holiday[0] if holiday else None,
            leave=leave_code,
        )
        total.add(figures)
        figures.cumulative_balance_seconds = total.balance_seconds
        days.append(figures)
        year, number, _ = day.isocalendar()
        label = f"{year}-W{number:02d}"
        if not weeks or weeks[-1].week != label:
            weeks.append(WeekFigures(week=label, first_day=day))
        weeks[-1].add(figures)
        weeks[-1].last_day = day
        weeks[-1].cumulative_balance_seconds = figures.cumulative_balance_seconds
    total.cumulative_balance_seconds = total.balance_seconds
    return TimeAccount(user=person, start=start, end=end, timezone=zone.key, days=days, weeks=weeks, total=total)
