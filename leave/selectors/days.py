"""What a date range costs one user: the one function preview, submit, approval, balances and the
jobs use (and scheduling and analytics after them).

A day costs 1 on a working day of the user's pattern (a weekday with hours), 0 otherwise; half a
day at the start (`start_half=afternoon`) or end (`end_half=morning`) costs 0.5; a holiday takes
its share off (a full holiday 1, a half-day holiday 0.5); a day never costs less than 0. Dates are
calendar dates in the user's own time zone: nothing here converts between zones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from accounts.models import User
from config.errors import ValidationFailed
from leave.models import WEEKDAYS, EndHalf, Holiday, StartHalf, WorkPattern

ZERO = Decimal("0")
HALF = Decimal("0.5")
ONE = Decimal("1")


def round_half(value: Decimal) -> Decimal:
    """To the nearest half day (halves of a half round up)."""
    return (Decimal(value) * 2).quantize(ONE, rounding=ROUND_HALF_UP) / 2


def local_today(user: User, now: datetime) -> date:
    """Today's date where `user` lives."""
    return now.astimezone(ZoneInfo(user.timezone or "UTC")).date()


def days_between(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


# --- Holidays -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HolidayItem:
    date: date
    name: str
    source: str  # "public" (the holidays package) or "company" (a Holiday row)
    half_day: bool
    country: str = ""
    subdivision: str = ""
    id: UUID | None = None  # the company holiday's public id


def check_holiday_location(country: str, subdivision: str) -> None:
    """A 400 naming `country` or `subdivision` when the public-holiday calendar does not know it."""
    if subdivision and not country:
        raise ValidationFailed(
            "subdivision: Give a country with a subdivision.", fields={"subdivision": ["Give a country as well."]}
        )
    if not country:
        return
    from holidays import country_holidays  # see _public_year

    try:
        country_holidays(country)
    except NotImplementedError:
        message = f"No public-holiday calendar for country {country!r} (use an ISO 3166-1 alpha-2 code, e.g. DE)."
        raise ValidationFailed(f"country: {message}", fields={"country": [message]}) from None
    if subdivision:
        try:
            country_holidays(country, subdiv=subdivision)
        except NotImplementedError:
            known = ", ".join(country_holidays(country).subdivisions) or "none"
            message = f"{subdivision!r} is not a subdivision of {country}; known: {known}."
            raise ValidationFailed(f"subdivision: {message}", fields={"subdivision": [message]}) from None


@lru_cache(maxsize=512)
def _public_year(country: str, subdivision: str, year: int) -> tuple[tuple[date, str], ...]:
    # The holidays package (about 2 MB, more with each country's calendar) is imported by the first
    # request that needs a public holiday, not by every process.
    from holidays import country_holidays

    try:
        calendar = country_holidays(country, subdiv=subdivision or None, years=year)
    except NotImplementedError:
        # A location stored before the calendar stopped knowing it: no public holidays, not a 500.
        return ()
    return tuple(sorted(calendar.items()))


def public_holidays(*, country: str, subdivision: str, start: date, end: date) -> list[HolidayItem]:
    if not country:
        return []
    found = []
    for year in range(start.year, end.year + 1):
        for day, name in _public_year(country, subdivision, year):
            if start <= day <= end:
                found.append(HolidayItem(day, name, "public", False, country, subdivision))
    return found


def company_holiday_scope(country: str, subdivision: str) -> Q:
    """Company holidays that apply at a location: everywhere, the whole country, or the subdivision."""
    scope = Q(country="")
    if country:
        scope |= Q(country=country, subdivision="")
        if subdivision:
            scope |= Q(country=country, subdivision=subdivision)
    return scope


def company_holidays(*, country: str, subdivision: str, start: date, end: date) -> list[HolidayItem]:
    rows = Holiday.objects.filter(company_holiday_scope(country, subdivision), date__gte=start, date__lte=end)
    return [
        HolidayItem(h.date, h.name, "company", h.half_day, h.country, h.subdivision, h.uuid)
        for h in rows.order_by("date", "pk")
    ]


def holiday_list(*, country: str, subdivision: str, start: date, end: date) -> list[HolidayItem]:
    """Public and company holidays at a location between two dates (inclusive), by date. One query."""
    found = public_holidays(country=country, subdivision=subdivision, start=start, end=end)
    found += company_holidays(country=country, subdivision=subdivision, start=start, end=end)
    return sorted(found, key=lambda item: (item.date, item.source != "public", item.name))


# --- Work patterns --------------------------------------------------------------------------


def default_week_hours() -> tuple[Decimal, ...]:
    return tuple(Decimal(str(hours)) for hours in settings.LEAVE_DEFAULT_WEEK_HOURS)


def default_pattern(user: User) -> WorkPattern:
    """The pattern of someone who has none (unsaved; `valid_from` None)."""
    return WorkPattern(user=user, valid_from=None, **dict(zip(WEEKDAYS, default_week_hours(), strict=True)))


def work_pattern_on(*, user: User, on: date) -> WorkPattern:
    """The pattern in effect on `on` (the default one if none has started by then)."""
    pattern = WorkPattern.objects.filter(user=user, valid_from__lte=on).order_by("-valid_from").first()
    return pattern or default_pattern(user)


def pattern_hours(patterns: Sequence[WorkPattern], default: Sequence[Decimal]) -> Callable[[date], Decimal]:
    """A function giving the hours on a date of one user's `patterns` (ordered by `valid_from`):
    the last pattern valid that day, `default` (a week of hours) before the first."""

    def hours(day: date) -> Decimal:
        week = default
        for pattern in patterns:
            if pattern.valid_from > day:
                break
            week = pattern.hours
        return week[day.weekday()]

    return hours


def hours_on(*, user: User, end: date) -> Callable[[date], Decimal]:
    """A function giving `user`'s pattern hours on any date up to `end` (one query)."""
    patterns = list(WorkPattern.objects.filter(user=user, valid_from__lte=end).order_by("valid_from"))
    return pattern_hours(patterns, default_week_hours())


# --- The cost of a range --------------------------------------------------------------------


@dataclass(frozen=True)
class DayCost:
    date: date
    cost: Decimal
    hours: Decimal  # the pattern's hours that weekday; 0: not a working day
    holiday: HolidayItem | None = None

    @property
    def working(self) -> bool:
        return self.hours > 0


@dataclass(frozen=True)
class RangeCost:
    days: Decimal
    by_year: dict[int, Decimal]
    per_day: tuple[DayCost, ...] = field(default=())

    @property
    def holidays(self) -> list[HolidayItem]:
        """Holidays on working days of the range (the ones that made it cheaper)."""
        return [day.holiday for day in self.per_day if day.holiday is not None and day.working]

    @property
    def non_working_days(self) -> list[date]:
        return [day.date for day in self.per_day if not day.working]

    def by_year_json(self) -> dict[str, str]:
        return {str(year): str(days) for year, days in sorted(self.by_year.items())}


def _portion(day: date, start: date, end: date, start_half: str, end_half: str) -> Decimal:
    portion = ONE
    if day == start and start_half == StartHalf.AFTERNOON:
        portion -= HALF
    if day == end and end_half == EndHalf.MORNING:
        portion -= HALF
    return portion


def leave_cost(
    *,
    user: User,
    start: date,
    end: date,
    start_half: str = StartHalf.FULL,
    end_half: str = EndHalf.FULL,
) -> RangeCost:
    """What taking `start`..`end` (inclusive, with the given half days) off costs `user`, in days,
    in total and per calendar year. Two queries (patterns, company holidays)."""
    hours = hours_on(user=user, end=end)
    found: dict[date, HolidayItem] = {}
    for item in holiday_list(country=user.country, subdivision=user.subdivision, start=start, end=end):
        # Of two holidays on one day, the full one counts.
        if item.date not in found or (found[item.date].half_day and not item.half_day):
            found[item.date] = item
    per_day = []
    by_year: dict[int, Decimal] = {}
    for day in days_between(start, end):
        day_hours = hours(day)
        holiday = found.get(day)
        cost = ZERO
        if day_hours > 0:
            reduction = ZERO if holiday is None else (HALF if holiday.half_day else ONE)
            cost = max(ZERO, _portion(day, start, end, start_half, end_half) - reduction)
        per_day.append(DayCost(day, cost, day_hours, holiday))
        by_year[day.year] = by_year.get(day.year, ZERO) + cost
    return RangeCost(days=sum(by_year.values(), ZERO), by_year=by_year, per_day=tuple(per_day))
