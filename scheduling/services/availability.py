"""A staff member's weekly hours and date overrides. The staff member themself or an ADMIN
writes them; an ADMIN's change to someone else's hours is audited."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.validators import validate_timezone
from audit.models import Action
from audit.services import audit_change
from config.errors import PermissionDenied, ValidationFailed
from scheduling.availability import format_hhmm, parse_hhmm
from scheduling.models import AvailabilityOverride, AvailabilitySchedule


def check_writer(actor: User, staff: User) -> None:
    if actor.pk != staff.pk and not actor.is_admin_role:
        raise PermissionDenied("Only the staff member themself or an ADMIN changes their availability.")


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", fields={field: [message]})


def clean_intervals(intervals: Sequence[dict[str, Any]], *, field: str, weekly: bool) -> list[dict[str, Any]]:
    """Intervals as stored: times normalised to HH:MM, start before end, none overlapping another
    on the same weekday (or date), sorted. A 400 naming the field otherwise."""
    by_day: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for item in intervals:
        try:
            start, end = parse_hhmm(item["start"]), parse_hhmm(item["end"])
        except ValueError as exc:
            raise _invalid(field, f"{exc}.") from None
        if start >= end:
            raise _invalid(field, f"{item['start']}–{item['end']}: the end must be after the start.")
        by_day[item["weekday"] if weekly else 0].append((start, end))
    cleaned = []
    for day, pairs in sorted(by_day.items()):
        pairs.sort()
        for (_, previous_end), (start, _) in zip(pairs, pairs[1:], strict=False):
            if start < previous_end:
                where = f"weekday {day}" if weekly else "that date"
                raise _invalid(field, f"Intervals on {where} overlap at {format_hhmm(start)}.")
        for start, end in pairs:
            entry = {"start": format_hhmm(start), "end": format_hhmm(end)}
            cleaned.append({"weekday": day, **entry} if weekly else entry)
    return cleaned


@transaction.atomic
def availability_set(
    *,
    actor: User,
    staff: User,
    timezone_name: str,
    valid_from: date,
    weekly: Sequence[dict[str, Any]],
    now: datetime | None = None,
) -> AvailabilitySchedule:
    """Set `staff`'s weekly hours from `valid_from` on: the schedule starting that day is created or
    replaced, and schedules starting later are removed (earlier ones still govern earlier dates).
    Booked appointments stay; new bookings follow the new hours."""
    check_writer(actor, staff)
    try:
        validate_timezone(timezone_name)
    except ValidationError as exc:
        raise _invalid("timezone", exc.messages[0]) from None
    cleaned = clean_intervals(weekly, field="weekly", weekly=True)
    now = now or timezone.now()
    removed = AvailabilitySchedule.objects.filter(staff=staff, valid_from__gt=valid_from).delete()[0]
    schedule, created = AvailabilitySchedule.objects.update_or_create(
        staff=staff, valid_from=valid_from, defaults={"timezone": timezone_name, "weekly": cleaned}
    )
    audit_change(
        actor=actor,
        owner=staff,
        action=Action.AVAILABILITY_CHANGE,
        target=staff,
        changes={
            "valid_from": valid_from.isoformat(),
            "timezone": timezone_name,
            "weekly": cleaned,
            "later_schedules_removed": removed,
        },
        now=now,
    )
    return schedule


@transaction.atomic
def availability_override_set(
    *,
    actor: User,
    staff: User,
    on: date,
    intervals: Sequence[dict[str, Any]],
    note: str = "",
    now: datetime | None = None,
) -> tuple[AvailabilityOverride, bool]:
    """Other hours for `staff` on one date (no intervals: the day off), replacing any override of
    that date. Returns the override and whether it is new."""
    check_writer(actor, staff)
    cleaned = clean_intervals(intervals, field="intervals", weekly=False)
    override, created = AvailabilityOverride.objects.update_or_create(
        staff=staff, date=on, defaults={"intervals": cleaned, "note": note}
    )
    audit_change(
        actor=actor,
        owner=staff,
        action=Action.AVAILABILITY_CHANGE,
        target=staff,
        changes={"override": on.isoformat(), "intervals": cleaned},
        now=now,
    )
    return override, created


@transaction.atomic
def availability_override_delete(*, actor: User, override: AvailabilityOverride, now: datetime | None = None) -> None:
    staff = override.staff
    check_writer(actor, staff)
    override.delete()
    audit_change(
        actor=actor,
        owner=staff,
        action=Action.AVAILABILITY_CHANGE,
        target=staff,
        changes={"override_removed": override.date.isoformat()},
        now=now,
    )
