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
from functools import lru_cache
from itertools import groupby, pairwise
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


@dataclass(slots=True)
class DayWork:
    """One local day: the time worked in it (a block across midnight counts on both sides), and
    of the merged blocks that start in it, the first one's start and the last one's end (the rest
    rule runs from one working day's last end to the next one's first start)."""

    worked: timedelta = timedelta(0)
    first_start: datetime | None = None
    last_end: datetime | None = None


def _work_by_day(blocks: list[tuple[datetime, datetime]], zone: ZoneInfo) -> dict[date, DayWork]:
    days: dict[date, DayWork] = defaultdict(DayWork)
    # Where each local day ends, worked out once per day: a busy week has many entries a day.
    day_ends: dict[date, datetime] = {}
    for start, end in blocks:
        first = days[start.astimezone(zone).date()]
        if first.first_start is None:
            first.first_start = start
        first.last_end = end
        cursor = start
        while cursor < end:
            day = cursor.astimezone(zone).date()
            day_end = day_ends.get(day)
            if day_end is None:
                day_end = day_ends[day] = day_bounds(day, zone)[1]
            piece_end = min(end, day_end)
            if piece_end <= cursor:  # a local midnight that does not exist; never loop forever
                piece_end = end
            days[day].worked += piece_end - cursor
            cursor = piece_end
    return days


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
    zone, week_start = user_zone(user), week_start or user_week_start(user)
    days = _work_by_day(_blocks(intervals, now), zone)
    return violations(days, user=user, zone=zone, week_start=week_start, limits=limits, window=window)


def violations(
    days: dict[date, DayWork],
    *,
    user: User,
    zone: ZoneInfo,
    week_start: str,
    limits: Limits | None = None,
    window: tuple[datetime, datetime] | None = None,
) -> list[Violation]:
    """The violations in one user's work, day by day (`evaluate`'s second half; the write guard
    has the days summed by the database on PostgreSQL)."""
    limits = limits or Limits.from_settings()

    def make(rule, day, period, seconds, limit, message):
        return Violation(rule, user.uuid, user.email, day, period[0], period[1], _hours(seconds), limit, message)

    found: list[Violation] = []
    ordered = sorted(days.items())
    if limits.daily_hours > 0:
        for day, work in ordered:
            seconds = work.worked.total_seconds()
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
        weekly: dict[date, timedelta] = defaultdict(timedelta)
        for day, work in ordered:
            weekly[week_of(day, week_start)] += work.worked
        for week, worked in sorted(weekly.items()):
            seconds = worked.total_seconds()
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
        working = [(day, work) for day, work in ordered if work.first_start is not None]
        for (_, previous), (day, current) in pairwise(working):
            rest = (current.first_start - previous.last_end).total_seconds()
            if rest < limits.rest_hours * 3600:
                found.append(
                    make(
                        MIN_REST,
                        day,
                        (previous.last_end, current.first_start),
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


# The write guard's days on PostgreSQL, summed by the database: what `_work_by_day` makes of the
# user's entries, without reading every entry of a busy week into Python. The entries that touch
# the span are those that start in it, and of those that start before it, the last exclusive one
# (exclusive entries never overlap, so sorted by start they are sorted by end: only that one can
# reach into the span) and the loose ones (a partial index holds them): every index range is the
# span's, where `start < until AND end > since` scanned all of a user's earlier entries. They are
# merged into blocks (a row opens a block when it starts after every earlier row's end), cut at the
# local midnights the caller passes (`bounds`, day 1 from the first to the second), and summed per
# day, with each day's first start and last end of the blocks that start in it. Every day is a row
# (work NULL on a day without any), and each carries the user's week start.
# tests/test_compliance_queries.py holds it to the Python evaluation.
WEEK_WORK_SQL = """
WITH spans AS (
    SELECT start, COALESCE("end", %(now)s) AS stop FROM (
        SELECT start, "end" FROM tracking_timeentry
        WHERE user_id = %(user)s AND start >= %(since)s AND start < %(until)s
        UNION ALL (
            SELECT start, "end" FROM tracking_timeentry
            WHERE user_id = %(user)s AND exclusive AND start < %(since)s
            ORDER BY start DESC, id DESC LIMIT 1
        )
        UNION ALL
        SELECT start, "end" FROM tracking_timeentry
        WHERE user_id = %(user)s AND NOT exclusive AND start < %(since)s
    ) touching
    WHERE "end" IS NULL OR "end" > %(since)s
), reaches AS (
    SELECT start, stop,
        max(stop) OVER (ORDER BY start, stop ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
    FROM spans WHERE stop > start
), blocks AS (
    SELECT min(start) AS start, max(stop) AS stop FROM (
        SELECT start, stop,
            count(*) FILTER (WHERE reach IS NULL OR start > reach) OVER (ORDER BY start, stop ROWS UNBOUNDED PRECEDING)
            AS block
        FROM reaches
    ) numbered GROUP BY block
), days AS (
    SELECT day, since, until FROM (
        SELECT day, since, lead(since) OVER (ORDER BY day) AS until
        FROM unnest(%(bounds)s::timestamptz[]) WITH ORDINALITY AS bound(since, day)
    ) bounds WHERE until IS NOT NULL
)
SELECT days.day,
    sum(least(blocks.stop, days.until) - greatest(blocks.start, days.since)) FILTER (WHERE blocks.start IS NOT NULL),
    min(blocks.start) FILTER (WHERE blocks.start >= days.since),
    max(blocks.stop) FILTER (WHERE blocks.start >= days.since),
    (SELECT s.week_start FROM accounts_usersettings s WHERE s.user_id = %(user)s)
FROM days LEFT JOIN blocks ON blocks.start < days.until AND blocks.stop > days.since
GROUP BY days.day"""


def week_work(
    user: User, first: date, bounds: tuple[datetime, ...], now: datetime, *, written_out: bool = True
) -> tuple[str | None, dict[date, DayWork]]:
    """`user`'s week start and work per local day, for the days from `first` whose midnights are
    `bounds` (one more than the days: the last one ends the last day). Work outside the days is
    left out, as is a day's first start when its block began before them. The week start is
    None when it was not read: on the ORM's path when no entry touches the days."""
    days: dict[date, DayWork] = {}
    if written_out and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            compiled_timestamps(cursor)
            params = {"now": now, "user": user.pk, "since": bounds[0], "until": bounds[-1], "bounds": _array(bounds)}
            cursor.execute(WEEK_WORK_SQL, params)
            rows = cursor.fetchall()
        for day, worked, first_start, last_end, _ in rows:
            if worked is not None:
                days[first + timedelta(days=day - 1)] = DayWork(worked, first_start, last_end)
        return rows[0][4] or "monday", days
    week_start = UserSettings.objects.filter(user=OuterRef("user_id")).values("week_start")[:1]
    rows = list(
        _entries_around(bounds[0], bounds[-1])
        .filter(user=user)
        .annotate(week_start=Subquery(week_start))
        .values_list("start", "end", "week_start")
    )
    if not rows:
        return None, days
    last = first + timedelta(days=len(bounds) - 2)
    for day, work in _work_by_day(_blocks([(start, end) for start, end, _ in rows], now), user_zone(user)).items():
        if first <= day <= last:
            days[day] = work
    return rows[0][2] or "monday", days


@lru_cache(maxsize=512)
def _array(moments: tuple[datetime, ...]) -> str:
    """`moments` as PostgreSQL array text, made once per week: psycopg's list dumper cost a
    tenth of a millisecond on every write."""
    return "{" + ",".join(f'"{moment.isoformat()}"' for moment in moments) + "}"


@lru_cache(maxsize=512)
def _midnights(zone: ZoneInfo, first: date, count: int) -> tuple[datetime, ...]:
    """Where `count` local days from `first` begin, and where the last one ends, in UTC."""
    return tuple(day_bounds(first + timedelta(days=offset), zone)[0] for offset in range(count + 1))


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
    one query in all by default, two when enforcing. The days are read for a span wide enough for
    any week start, and the violations kept are those of the exact weeks once the week start is
    known. On PostgreSQL the database sums the days (WEEK_WORK_SQL): a busy week costs the write
    no more than a quiet one."""

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
        # before them give the rest before the first working day.
        first = min(self._days) - timedelta(days=8)
        bounds = _midnights(self.zone, first, (max(self._days) - first).days + 7)
        week_start, days = week_work(self.user, first, bounds, self.now)
        # Not read with the days (no entry in them, off PostgreSQL): the user's settings.
        week_start = week_start or user_week_start(self.user)
        self.window = window = self._window(week_start)
        return violations(days, user=self.user, zone=self.zone, week_start=week_start, window=window)

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
