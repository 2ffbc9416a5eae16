"""The one availability function: when a staff member can take an appointment of a service.

`availability(service=, staff=, start=, end=, now=)` answers for a window, for each staff member,
with a `StaffPlan`: the slot starts it offers and, for any other start, the rule that refuses it.
The slot list shows `plan.starts`; booking and rescheduling call the same function inside the
transaction that writes and accept a start only if it is in `plan.starts` (otherwise
`plan.refusal(start)` says why). Nothing else decides whether a time can be booked.

How a staff member's time is built, one local date at a time in their own zone:
1. Working intervals: the date's override if there is one (an empty one is a day off), else the
   weekly schedule in effect that date (wall-clock times in the schedule's zone), else leave's work
   pattern: 09:00 to 09:00 + that day's hours in the user's zone. Adjacent intervals merge.
   Wall-clock times are turned into UTC for that very date, so 09:00 stays 09:00 across DST.
2. Holidays (public ones of the staff member's country and subdivision, and company ones) take the
   whole day; a half-day holiday takes the afternoon. Approved leave takes its days; a leave that
   starts in the afternoon or ends in the morning takes only that half of the day. A day's halves
   split at the middle of its working time (09:00–17:00: at 13:00).
3. Other active appointments block their range widened by their own buffers, and the new
   appointment's buffers must not reach into it either.
4. A slot is `duration` long, lies inside one working interval, starts a whole number of
   `slot_step_minutes` after that interval's start, touches no holiday, leave or blocked time,
   starts at least `min_notice_minutes` from now and less than `horizon_days` ahead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from accounts.models import User
from config.errors import Conflict
from leave.models import EndHalf, LeaveRequest, StartHalf
from leave.selectors.days import days_between
from scheduling import selectors
from scheduling.models import Appointment, AvailabilityOverride, AvailabilitySchedule, Service

Interval = tuple[datetime, datetime]

# How far around a window the function reads: a slot and its buffers fit in two days (models.py
# bounds durations and buffers), and no zone is more than a day away from UTC.
MARGIN = timedelta(days=2)
DEFAULT_DAY_START = 9 * 60  # minutes after midnight, for days that come from a work pattern

_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")


# --- Wall-clock times -----------------------------------------------------------------------


def parse_hhmm(text: str) -> int:
    """Minutes after midnight of a time like "09:30"; "24:00" is the end of the day. ValueError otherwise."""
    match = _HHMM.match(str(text))
    if not match:
        raise ValueError(f"{text!r} is not a time like 09:30")
    minutes = int(match[1]) * 60 + int(match[2])
    if minutes > 24 * 60:
        raise ValueError(f"{text!r} is after 24:00")
    return minutes


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def wall_clock(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """`minutes` after midnight on `day` in `zone`, as wall-clock time (09:00 is 09:00 whatever
    the offset that day), in UTC."""
    return (datetime.combine(day, time(), tzinfo=zone) + timedelta(minutes=minutes)).astimezone(UTC)


def merge_minutes(pairs: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(pairs):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


def subtract(interval: Interval, blocks: Sequence[Interval]) -> list[Interval]:
    """What is left of `interval` after taking out `blocks` (sorted by start)."""
    pieces = []
    cursor, end = interval
    for block_start, block_end in blocks:
        if block_end <= cursor:
            continue
        if block_start >= end:
            break
        if block_start > cursor:
            pieces.append((cursor, block_start))
        cursor = max(cursor, block_end)
        if cursor >= end:
            break
    if cursor < end:
        pieces.append((cursor, end))
    return pieces


# --- One staff member's plan ----------------------------------------------------------------


@dataclass(frozen=True)
class Block:
    start: datetime
    end: datetime
    code: str  # holiday | staff_on_leave | slot_taken
    label: str  # what the refusal message says about it


@dataclass
class StaffPlan:
    """What one staff member can take of one service around a window (see the module's docstring)."""

    staff: User
    service: Service
    working: list[Interval] = field(default_factory=list)  # each one's start anchors the step grid
    blocks: list[Block] = field(default_factory=list)
    not_before: datetime | None = None
    not_after: datetime | None = None
    window: Interval | None = None
    starts: list[datetime] = field(default_factory=list)

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.service.duration_minutes)

    def compute(self) -> None:
        step, duration = timedelta(minutes=self.service.slot_step_minutes), self.duration
        blocked = sorted((b.start, b.end) for b in self.blocks)
        window_start, window_end = self.window
        found = []
        for anchor, working_end in self.working:
            if working_end <= window_start - duration or anchor >= window_end:
                continue
            for piece_start, piece_end in subtract((anchor, working_end), blocked):
                # The first grid point at or after the piece's start, counted from the anchor.
                steps = -(-(piece_start - anchor) // step)
                start = anchor + steps * step
                while start + duration <= piece_end:
                    if self.not_before <= start < self.not_after and window_start <= start < window_end:
                        found.append(start)
                    start += step
        self.starts = sorted(set(found))

    def offers(self, start: datetime) -> bool:
        return start in set(self.starts)

    def refusal(self, start: datetime) -> Conflict:
        """Why `start` is not offered: the first rule it breaks, in a fixed order."""
        end = start + self.duration
        slot = {"start": _iso(start), "end": _iso(end), "staff": str(self.staff.uuid)}
        who = self.staff.name
        if start < self.not_before:
            return Conflict(
                f"Too soon: {self.service.name} is booked at least {self.service.min_notice_minutes} minutes "
                f"ahead; the earliest start now is {_iso(self.not_before)}.",
                code="too_soon",
                extra={"slot": slot},
            )
        if start >= self.not_after:
            return Conflict(
                f"Too far ahead: {self.service.name} opens {self.service.horizon_days} days ahead, "
                f"until {_iso(self.not_after)}.",
                code="beyond_horizon",
                extra={"slot": slot},
            )
        inside = next(((a, b) for a, b in self.working if a <= start and end <= b), None)
        if inside is None:
            return Conflict(
                f"Outside {who}'s working hours: {_iso(start)} to {_iso(end)} is not within them.",
                code="outside_availability",
                extra={"slot": slot},
            )
        step = timedelta(minutes=self.service.slot_step_minutes)
        if (start - inside[0]) % step:
            return Conflict(
                f"Not a slot start: {self.service.name} starts every {self.service.slot_step_minutes} minutes "
                f"from {_iso(inside[0])}.",
                code="outside_availability",
                extra={"slot": slot},
            )
        for code in ("holiday", "staff_on_leave", "slot_taken"):
            for block in self.blocks:
                if block.code == code and overlaps(start, end, block.start, block.end):
                    message = {
                        "holiday": f"{who} is off on a holiday then ({block.label}).",
                        "staff_on_leave": f"{who} is on leave then ({block.label}).",
                        "slot_taken": f"The slot {_iso(start)} to {_iso(end)} with {who} is taken.",
                    }[code]
                    return Conflict(message, code=code, extra={"slot": slot})
        return Conflict(f"{_iso(start)} is not an open slot with {who}.", code="not_offered", extra={"slot": slot})


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- Building days --------------------------------------------------------------------------


@dataclass(frozen=True)
class Day:
    """One local date of a staff member: working intervals and where its halves split (UTC)."""

    date: date
    zone: ZoneInfo
    working: list[Interval]
    start: datetime  # local midnight
    end: datetime  # next local midnight
    middle: datetime  # morning | afternoon

    def half(self, which: str) -> Interval:
        return (self.start, self.middle) if which == "morning" else (self.middle, self.end)


def _weekly_minutes(schedule: AvailabilitySchedule, day: date) -> list[tuple[int, int]]:
    weekday = day.isoweekday()
    return [(parse_hhmm(i["start"]), parse_hhmm(i["end"])) for i in schedule.weekly if i["weekday"] == weekday]


def _override_minutes(override: AvailabilityOverride) -> list[tuple[int, int]]:
    return [(parse_hhmm(i["start"]), parse_hhmm(i["end"])) for i in override.intervals]


def _middle(day: date, zone: ZoneInfo, pairs: list[tuple[int, int]]) -> datetime:
    """The wall-clock moment that splits the day's working minutes in two halves (noon if none)."""
    total = sum(end - start for start, end in pairs)
    if not total:
        return wall_clock(day, 12 * 60, zone)
    left = total / 2
    for start, end in pairs:
        if end - start >= left:
            return wall_clock(day, int(start + left), zone)
        left -= end - start
    return wall_clock(day, pairs[-1][1], zone)


class StaffCalendar:
    """Turns one staff member's schedules, overrides and work pattern into `Day`s."""

    def __init__(self, staff: User, schedules, overrides, hours) -> None:
        self.staff = staff
        self.schedules = schedules  # oldest first
        self.overrides = overrides
        self.hours = hours

    def schedule_on(self, day: date) -> AvailabilitySchedule | None:
        found = None
        for schedule in self.schedules:
            if schedule.valid_from > day:
                break
            found = schedule
        return found

    def day(self, day: date) -> Day:
        schedule = self.schedule_on(day)
        zone = selectors.zone_of(schedule.timezone if schedule else self.staff.timezone)
        if day in self.overrides:
            pairs = _override_minutes(self.overrides[day])
        elif schedule is not None:
            pairs = _weekly_minutes(schedule, day)
        else:
            hours = self.hours(day) if self.hours else 0
            pairs = [(DEFAULT_DAY_START, min(24 * 60, DEFAULT_DAY_START + int(hours * 60)))] if hours > 0 else []
        pairs = merge_minutes(pairs)
        working = [(wall_clock(day, a, zone), wall_clock(day, b, zone)) for a, b in pairs]
        return Day(
            date=day,
            zone=zone,
            working=working,
            start=wall_clock(day, 0, zone),
            end=wall_clock(day, 24 * 60, zone),
            middle=_middle(day, zone, pairs),
        )


@dataclass(frozen=True)
class LeaveSpan:
    """Dates off with their halves, as a leave request has them."""

    start_date: date
    end_date: date
    start_half: str = StartHalf.FULL
    end_half: str = EndHalf.FULL


def leave_blocks(day: Day, request: LeaveSpan | LeaveRequest) -> list[Interval]:
    """The part of `day` a leave request (or span) takes."""
    if not request.start_date <= day.date <= request.end_date:
        return []
    if day.date == request.start_date and request.start_half == StartHalf.AFTERNOON:
        return [day.half("afternoon")]
    if day.date == request.end_date and request.end_half == EndHalf.MORNING:
        return [day.half("morning")]
    return [(day.start, day.end)]


def holiday_block(day: Day, holiday) -> Interval:
    return day.half("afternoon") if holiday.half_day else (day.start, day.end)


def _calendars(staff: Sequence[User], first: date, last: date) -> dict[int, StaffCalendar]:
    schedules = selectors.schedules_by_user(staff, last)
    overrides = selectors.overrides_by_user(staff, first, last)
    need_pattern = [u for u in staff if not schedules.get(u.pk) or schedules[u.pk][0].valid_from > first]
    hours = selectors.work_hours(need_pattern, last) if need_pattern else {}
    return {u.pk: StaffCalendar(u, schedules.get(u.pk, []), overrides.get(u.pk, {}), hours.get(u.pk)) for u in staff}


def availability(
    *,
    service: Service,
    staff: Sequence[User],
    start: datetime,
    end: datetime,
    now: datetime,
    exclude: Appointment | None = None,
) -> dict[int, StaffPlan]:
    """For each staff member (by pk), the slots of `service` starting in `start`..`end` (UTC,
    end exclusive) and the rules behind them. `exclude`: an appointment being moved, whose own
    time does not count as taken. Six queries at most, whatever the number of staff or days."""
    staff = list(staff)
    first, last = (start - MARGIN).date(), (end + MARGIN).date()
    calendars = _calendars(staff, first, last)
    holidays = selectors.holidays_by_user(staff, first, last)
    leave = selectors.approved_leave(staff, first, last)
    busy = selectors.busy_ranges(staff, start - MARGIN, end + MARGIN, exclude=exclude)
    before = timedelta(minutes=service.buffer_before_minutes)
    after = timedelta(minutes=service.buffer_after_minutes)
    plans = {}
    for member in staff:
        plan = StaffPlan(
            staff=member,
            service=service,
            not_before=now + timedelta(minutes=service.min_notice_minutes),
            not_after=now + timedelta(days=service.horizon_days),
            window=(start, end),
        )
        calendar = calendars[member.pk]
        for day_date in days_between(first, last):
            day = calendar.day(day_date)
            plan.working.extend(day.working)
            holiday = holidays[member.pk].get(day_date)
            if holiday is not None:
                plan.blocks.append(Block(*holiday_block(day, holiday), "holiday", f"{holiday.name}, {day_date}"))
            for request in leave.get(member.pk, ()):
                for block_start, block_end in leave_blocks(day, request):
                    plan.blocks.append(Block(block_start, block_end, "staff_on_leave", f"{day_date}"))
        for taken in busy.get(member.pk, ()):
            # The new appointment's own buffers must stay clear of the other's blocked range too.
            plan.blocks.append(Block(taken.start - after, taken.end + before, "slot_taken", taken.appointment))
        plan.working.sort()
        plan.blocks.sort(key=lambda b: (b.start, b.end))
        plan.compute()
        plans[member.pk] = plan
    return plans


def leave_span_blocks(
    *, staff: User, start_date: date, end_date: date, start_half: str = "full", end_half: str = "full"
) -> list[Interval]:
    """The UTC intervals that leave from `start_date` to `end_date` (with its halves) takes from
    `staff`: whole local days, half days split as the availability function splits them."""
    (blocks,) = leave_blocks_of([(staff, LeaveSpan(start_date, end_date, start_half, end_half))])
    return blocks


def leave_blocks_of(spans: Sequence[tuple[User, LeaveSpan | LeaveRequest]]) -> list[list[Interval]]:
    """`leave_span_blocks` for many (staff member, span) pairs at once, in their order: the staff
    members' calendars are read together (three queries at most)."""
    if not spans:
        return []
    staff = list({member.pk: member for member, _ in spans}.values())
    first, last = min(span.start_date for _, span in spans), max(span.end_date for _, span in spans)
    calendars = _calendars(staff, first, last)
    return [
        [
            block
            for day_date in days_between(span.start_date, span.end_date)
            for block in leave_blocks(calendars[member.pk].day(day_date), span)
        ]
        for member, span in spans
    ]


# --- The slot list --------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    start: datetime  # in the requested zone
    end: datetime
    staff: list[str]  # public ids of everyone free then


def slot_list(
    *,
    service: Service,
    staff: Sequence[User],
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    now: datetime,
) -> dict[date, list[Slot]]:
    """The slots of `service` starting in `start`..`end`, by date in `zone`: each with every staff
    member (of `staff`) free then. The same function booking calls decides what is offered."""
    plans = availability(service=service, staff=staff, start=start, end=end, now=now)
    free: dict[datetime, list[str]] = {}
    for member in staff:
        for slot_start in plans[member.pk].starts:
            free.setdefault(slot_start, []).append(str(member.uuid))
    duration = timedelta(minutes=service.duration_minutes)
    by_date: dict[date, list[Slot]] = {}
    for slot_start in sorted(free):
        local = slot_start.astimezone(zone)
        by_date.setdefault(local.date(), []).append(
            Slot(local, (slot_start + duration).astimezone(zone), free[slot_start])
        )
    return by_date


# --- The weekly hours as the API shows them -------------------------------------------------


@dataclass(frozen=True)
class WeeklyHours:
    staff: UUID
    timezone: str
    valid_from: date | None
    source: str  # "weekly" (a schedule) or "work_pattern" (none: leave's pattern from 09:00)
    weekly: list[dict]


def weekly_hours_on(*, staff: User, on: date) -> WeeklyHours:
    """`staff`'s weekly hours in effect on `on`: their schedule, or the work pattern's days from
    09:00 for someone without one."""
    schedule = selectors.schedule_on(staff=staff, on=on)
    if schedule is not None:
        return WeeklyHours(staff.uuid, schedule.timezone, schedule.valid_from, "weekly", schedule.weekly)
    monday = on - timedelta(days=on.weekday())
    hours = selectors.work_hours([staff], monday + timedelta(days=6))[staff.pk]
    weekly = []
    for offset in range(7):
        day_hours = hours(monday + timedelta(days=offset))
        if day_hours > 0:
            end = min(24 * 60, DEFAULT_DAY_START + int(day_hours * 60))
            weekly.append({"weekday": offset + 1, "start": format_hhmm(DEFAULT_DAY_START), "end": format_hhmm(end)})
    return WeeklyHours(staff.uuid, staff.timezone, None, "work_pattern", weekly)
