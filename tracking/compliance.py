"""Working-time rules (Time Tracker seed): a weekly maximum, a daily maximum and a minimum daily rest.

Days and weeks are the user's: calendar days in `user.timezone`, weeks starting on the day their
settings name (Monday by default). Overlapping entries count once (worked time is the union of
the intervals) and a running entry counts up to `now`. Rest is the gap between the last work of
one working day and the first work of the next one.

`compliance_violations` is the report selector; `ComplianceGuard` wraps a service's write and
turns what it changed into warnings (or a 422 when WORKING_TIME_ENFORCE is on).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import User, UserSettings
from accounts.selectors import user_list
from config.errors import NotFound, RuleViolation
from config.postgresql.loaders import compiled_timestamps
from tracking.models import TimeEntry

MAX_WEEKLY = "max_weekly_hours"
MAX_DAILY = "max_daily_hours"
MIN_REST = "min_daily_rest"
WEEKDAY_OFFSET = {"monday": 0, "sunday": 6, "saturday": 5}
# Entries fetched around a window so every day and week that touches it is complete, and the
# rest before its first working day is known, in any time zone.
FETCH_MARGIN = timedelta(days=9)
MAX_REPORT_DAYS = 366


@dataclass(frozen=True)
class Limits:
    weekly_hours: float
    daily_hours: float
    rest_hours: float

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            weekly_hours=settings.WORKING_TIME_MAX_WEEKLY_HOURS,
            daily_hours=settings.WORKING_TIME_MAX_DAILY_HOURS,
            rest_hours=settings.WORKING_TIME_MIN_DAILY_REST,
        )


@dataclass(frozen=True)
class Violation:
    rule: str
    user_id: UUID
    user_email: str
    date: date
    period_start: datetime
    period_end: datetime
    hours: float
    limit_hours: float
    message: str

    @property
    def key(self) -> tuple:
        return (self.user_id, self.rule, self.date)

    def worse_than(self, other: Violation) -> bool:
        return self.hours < other.hours if self.rule == MIN_REST else self.hours > other.hours

    def as_dict(self) -> dict:
        data = asdict(self)
        data["user_id"] = str(self.user_id)
        return data


def user_zone(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user.timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def user_week_start(user: User) -> str:
    try:
        return user.settings.week_start
    except ObjectDoesNotExist:
        return "monday"


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants where local `day` begins and ends (23 or 25 hours across a DST change)."""
    start = datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone).astimezone(UTC)
    return start, end


def week_of(day: date, week_start: str) -> date:
    return day - timedelta(days=(day.weekday() - WEEKDAY_OFFSET.get(week_start, 0)) % 7)


def _blocks(intervals, now: datetime) -> list[tuple[datetime, datetime]]:
    """Sorted, merged intervals (running ones end at `now`)."""
    spans = sorted((start, end or now) for start, end in intervals if (end or now) > start)
    merged: list[list[datetime]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 2)


def evaluate(
    intervals,
    *,
    user: User,
    now: datetime,
    limits: Limits | None = None,
    window: tuple[datetime, datetime] | None = None,
    week_start: str | None = None,
) -> list[Violation]:
    """Every violation in `intervals` (pairs of start, end-or-None) of one user; with `window`,
    only those whose period overlaps it. `week_start` saves reading the user's settings when the
    caller has it already."""
    limits = limits or Limits.from_settings()
    zone, week_start = user_zone(user), week_start or user_week_start(user)
    blocks = _blocks(intervals, now)
    # Where each local day ends, worked out once per day: a busy week has many entries a day.
    day_ends: dict[date, datetime] = {}
    daily: dict[date, float] = defaultdict(float)
    for start, end in blocks:
        cursor = start
        while cursor < end:
            day = cursor.astimezone(zone).date()
            day_end = day_ends.get(day)
            if day_end is None:
                day_end = day_ends[day] = day_bounds(day, zone)[1]
            piece_end = min(end, day_end)
            if piece_end <= cursor:  # a local midnight that does not exist; never loop forever
                piece_end = end
            daily[day] += (piece_end - cursor).total_seconds()
            cursor = piece_end
    weekly: dict[date, float] = defaultdict(float)
    for day, seconds in daily.items():
        weekly[week_of(day, week_start)] += seconds

    def make(rule, day, period, seconds, limit, message):
        return Violation(rule, user.uuid, user.email, day, period[0], period[1], _hours(seconds), limit, message)

    found: list[Violation] = []
    if limits.daily_hours > 0:
        for day, seconds in sorted(daily.items()):
            if seconds > limits.daily_hours * 3600:
                found.append(
                    make(
                        MAX_DAILY,
                        day,
                        day_bounds(day, zone),
                        seconds,
                        limits.daily_hours,
                        f"Worked {_hours(seconds)} h on {day} (daily limit {limits.daily_hours} h).",
                    )
                )
    if limits.weekly_hours > 0:
        for week, seconds in sorted(weekly.items()):
            if seconds > limits.weekly_hours * 3600:
                period = (day_bounds(week, zone)[0], day_bounds(week + timedelta(days=6), zone)[1])
                found.append(
                    make(
                        MAX_WEEKLY,
                        week,
                        period,
                        seconds,
                        limits.weekly_hours,
                        f"Worked {_hours(seconds)} h in the week of {week} (weekly limit {limits.weekly_hours} h).",
                    )
                )
    if limits.rest_hours > 0:
        start_days = [start.astimezone(zone).date() for start, _ in blocks]
        for index, (previous, current) in enumerate(zip(blocks, blocks[1:], strict=False)):
            day = start_days[index + 1]
            if start_days[index] == day:
                continue  # a break within one working day is not the daily rest
            rest = (current[0] - previous[1]).total_seconds()
            if rest < limits.rest_hours * 3600:
                found.append(
                    make(
                        MIN_REST,
                        day,
                        (previous[1], current[0]),
                        rest,
                        limits.rest_hours,
                        f"Only {_hours(rest)} h of rest before work on {day} (minimum {limits.rest_hours} h).",
                    )
                )
    if window is not None:
        found = [v for v in found if v.period_start < window[1] and v.period_end > window[0]]
    return sorted(found, key=lambda v: (v.period_start, v.rule))


def _entries_around(start: datetime, end: datetime):
    return TimeEntry.objects.filter(start__lt=end).filter(Q(end__isnull=True) | Q(end__gt=start))


def compliance_violations(
    *, actor: User, start: datetime, end: datetime, user_id: UUID | None = None, now: datetime | None = None
) -> list[Violation]:
    """Violations whose period overlaps [start, end) for every user `actor` may see, or only
    for the user with public id `user_id` (NotFound unless `actor` may see them). One query for
    the entries, whatever the number of users."""
    now = now or timezone.now()
    users = user_list(actor=actor)
    if user_id is not None:
        users = users.filter(uuid=user_id)
        if not users.exists():
            raise NotFound("No user with this id that you may see.")
    entries = (
        _entries_around(start - FETCH_MARGIN, end + FETCH_MARGIN)
        .filter(user__in=users.values("pk"))
        .select_related("user", "user__settings")
        .only("start", "end", "user__uuid", "user__email", "user__timezone", "user__settings__week_start")
        .order_by("user_id", "start")
    )
    found: list[Violation] = []
    for _, rows in groupby(entries, key=lambda entry: entry.user_id):
        rows = list(rows)
        found.extend(evaluate([(r.start, r.end) for r in rows], user=rows[0].user, now=now, window=(start, end)))
    return sorted(found, key=lambda v: (v.period_start, v.user_email, v.rule))


# week_rows on PostgreSQL, written out: building and compiling the ORM query cost more than the
# rest of the evaluation, on every write. tests/test_compliance_queries.py holds both to the same rows.
WEEK_ROWS_SQL = """
    SELECT e.start, e."end", (SELECT s.week_start FROM accounts_usersettings s WHERE s.user_id = e.user_id)
    FROM tracking_timeentry e
    WHERE e.user_id = %s AND e.start < %s AND (e."end" IS NULL OR e."end" > %s)
    ORDER BY e.start DESC, e.id DESC"""


def week_rows(user: User, start: datetime, end: datetime, *, written_out: bool = True) -> list[tuple]:
    """(start, end, the user's week start or None) of `user`'s entries overlapping [start, end)."""
    if written_out and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            compiled_timestamps(cursor)
            cursor.execute(WEEK_ROWS_SQL, [user.pk, end, start])
            return cursor.fetchall()
    week_start = UserSettings.objects.filter(user=OuterRef("user_id")).values("week_start")[:1]
    return list(
        _entries_around(start, end)
        .filter(user=user)
        .annotate(week_start=Subquery(week_start))
        .values_list("start", "end", "week_start")
    )


class ComplianceGuard:
    """Wrap a write to one user's entries:

        with ComplianceGuard(user=user, intervals=[(old_start, old_end), (new_start, new_end)], now=now) as guard:
            ... write ...
        guard.warnings

    After the write, `warnings` holds every violation in the local weeks the intervals touch.
    With WORKING_TIME_ENFORCE on, the same weeks are evaluated before the write too, and a
    violation the write created or made worse raises RuleViolation (422) inside the caller's
    transaction, so nothing is kept.

    One query per evaluation, which also reads the user's week start (the weeks depend on it):
    one query in all by default, two when enforcing. The rows are fetched for a span wide enough
    for any week start and narrowed to the exact weeks once the week start is known."""

    def __init__(self, *, user: User, intervals, now: datetime) -> None:
        self.user = user
        self.now = now
        self.zone = user_zone(user)
        self._days = [moment.astimezone(self.zone).date() for start, end in intervals for moment in (start, end or now)]
        self.window: tuple[datetime, datetime] | None = None
        self.warnings: list[Violation] = []
        self._before: dict[tuple, Violation] = {}

    def _window(self, week_start: str) -> tuple[datetime, datetime]:
        first, last = week_of(min(self._days), week_start), week_of(max(self._days), week_start) + timedelta(days=6)
        return day_bounds(first, self.zone)[0], day_bounds(last, self.zone)[1]

    def _evaluate(self) -> list[Violation]:
        # Every week start puts the weeks within six days of the days touched; two more days
        # before them give the rest before the first working day (as `_window` - 2 days below).
        span_start = day_bounds(min(self._days) - timedelta(days=6), self.zone)[0] - timedelta(days=2)
        span_end = day_bounds(max(self._days) + timedelta(days=6), self.zone)[1]
        rows = week_rows(self.user, span_start, span_end)
        # No row in the span (nothing to evaluate but the week start): the user's settings.
        week_start = (rows[0][2] or "monday") if rows else user_week_start(self.user)
        self.window = window = self._window(week_start)
        fetch_from = window[0] - timedelta(days=2)
        intervals = [(start, end) for start, end, _ in rows if start < window[1] and (end is None or end > fetch_from)]
        return evaluate(intervals, user=self.user, now=self.now, window=window, week_start=week_start)

    def __enter__(self) -> ComplianceGuard:
        if settings.WORKING_TIME_ENFORCE:
            self._before = {v.key: v for v in self._evaluate()}
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        if exc_type is not None:
            return False
        self.warnings = self._evaluate()
        if settings.WORKING_TIME_ENFORCE:
            broken = [v for v in self.warnings if v.key not in self._before or v.worse_than(self._before[v.key])]
            if broken:
                raise RuleViolation(
                    broken[0].message,
                    code="working_time_limit",
                    extra={"violations": [v.as_dict() for v in broken]},
                )
        return False
