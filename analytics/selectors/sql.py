"""SQL expressions the reports group and sum with, written once for PostgreSQL and SQLite.

Every figure is computed in the database, per entry, so a report is one aggregate query:

- `entry_seconds(now)`: an entry's whole seconds (floor), a running timer up to `now`, never
  below 0.
- `rounded_seconds(seconds, rounding)`: that figure rounded up, down or to the nearest step of
  N minutes, per entry, in integer arithmetic (the total of a report is then exactly the sum of
  its rounded lines).
- `LocalDate(field, zone)`: the calendar day of an instant in a time zone (Django's TruncDate
  with tzinfo: `AT TIME ZONE` on PostgreSQL, Django's own zone-aware function on SQLite, so a
  day across a DST change is 23 or 25 hours long on both).
- `WeekStart(local_date, week_start)`, `MonthStart(local_date)`: the first day of the week
  (Monday, Sunday or Saturday first) or month containing a local day, in date arithmetic, which
  has no DST.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import BigIntegerField, DateField, DateTimeField, F, Func, Value
from django.db.models.expressions import Expression
from django.db.models.functions import Coalesce, Greatest, TruncDate

UP, DOWN, NEAREST = "up", "down", "nearest"
# SQLite's date(d, 'weekday N') numbering: 0 = Sunday.
SQLITE_WEEKDAY = {"monday": 1, "sunday": 0, "saturday": 6}
# Days to add so that the week's first day becomes a Monday (PostgreSQL's date_trunc('week')).
PG_SHIFT = {"monday": 0, "sunday": 1, "saturday": 2}


@dataclass(frozen=True)
class Rounding:
    mode: str  # up | down | nearest
    minutes: int

    @property
    def step(self) -> int:
        return self.minutes * 60


class ElapsedSeconds(Func):
    """Whole seconds from `start` to `end` (floor), as a bigint."""

    output_field = BigIntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        end, start = (compiler.compile(expression) for expression in self.get_source_expressions())
        sql, params = connection.ops.subtract_temporals("DateTimeField", end, start)
        if connection.vendor == "postgresql":
            # date_part returns double precision: exact for any entry length, and cheaper than
            # EXTRACT's numeric.
            return f"CAST(FLOOR(date_part('epoch', {sql})) AS bigint)", params
        if connection.vendor == "sqlite":
            # Django's django_timestamp_diff gives whole microseconds.
            return f"({sql} / 1000000)", params
        raise NotImplementedError(f"ElapsedSeconds is not written for {connection.vendor}")


def entry_seconds(now: datetime, *, start: str = "start", end: str = "end") -> Expression:
    until = Coalesce(F(end), Value(now, output_field=DateTimeField()))
    return Greatest(ElapsedSeconds(until, F(start)), Value(0), output_field=BigIntegerField())


def rounded_seconds(seconds: Expression, rounding: Rounding | None) -> Expression:
    """Integer arithmetic on non-negative seconds: (s + k) / step * step, where the division
    truncates (bigint on PostgreSQL, integer on SQLite)."""
    if rounding is None:
        return seconds
    step = rounding.step
    offset = {UP: step - 1, DOWN: 0, NEAREST: step // 2}[rounding.mode]
    shifted = seconds + Value(offset) if offset else seconds
    return _int(_int(shifted / Value(step)) * Value(step))


def _int(expression: Expression) -> Expression:
    return Func(expression, function="", template="(%(expressions)s)", output_field=BigIntegerField())


def LocalDate(field: str, zone: ZoneInfo) -> Expression:
    return TruncDate(field, tzinfo=zone)


class WeekStart(Func):
    """The first day of the week (starting on `week_start`) that contains a date."""

    output_field = DateField()
    arity = 1

    def __init__(self, expression, *, week_start: str = "monday", **extra):
        if week_start not in SQLITE_WEEKDAY:
            raise ValueError(f"unknown week start {week_start!r}")
        self.week_start = week_start
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        if connection.vendor == "postgresql":
            shift = PG_SHIFT[self.week_start]
            return f"(CAST(date_trunc('week', CAST(({sql}) + {shift} AS timestamp)) AS date) - {shift})", params
        if connection.vendor == "sqlite":
            return f"date({sql}, '-6 days', 'weekday {SQLITE_WEEKDAY[self.week_start]}')", params
        raise NotImplementedError(f"WeekStart is not written for {connection.vendor}")


class MonthStart(Func):
    """The first day of the month that contains a date."""

    output_field = DateField()
    arity = 1

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        if connection.vendor == "postgresql":
            return f"CAST(date_trunc('month', CAST(({sql}) AS timestamp)) AS date)", params
        if connection.vendor == "sqlite":
            return f"date({sql}, 'start of month')", params
        raise NotImplementedError(f"MonthStart is not written for {connection.vendor}")
