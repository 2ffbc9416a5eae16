"""The policy side of leave, written by ADMINs (and work patterns by their owners): leave types,
company holidays, work patterns, and allocations or adjustments of a balance."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import audit_change, audit_record
from config.changes import check_changes
from config.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from leave.models import WEEKDAYS, Holiday, LeaveLedgerEntry, LeaveType, LedgerKind, WorkPattern
from leave.selectors.days import check_holiday_location, local_today, round_half
from leave.services.ledger import ledger_append, lock_user

LEAVE_TYPE_FIELDS = (
    "code",
    "name",
    "color",
    "paid",
    "requires_approval",
    "deducts_balance",
    "half_day_allowed",
    "annual_days",
    "accrual",
    "carry_over_max_days",
    "carry_over_expires_month",
    "negative_limit_days",
    "active",
)
DAY_FIELDS = ("annual_days", "carry_over_max_days", "negative_limit_days")
HOLIDAY_FIELDS = ("date", "name", "country", "subdivision", "half_day")


def require_admin(actor: User, what: str) -> None:
    if not actor.is_admin_role:
        raise PermissionDenied(f"Only an ADMIN can {what}.")


def _check_half_days(values: Mapping[str, Any], names) -> None:
    for name in names:
        if name in values and values[name] is not None and round_half(values[name]) != Decimal(values[name]):
            raise ValidationFailed(
                f"{name}: Use half-day steps (0.5, 1, 1.5, ...).", fields={name: ["Half-day steps."]}
            )


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, (Decimal, date)) else v) for k, v in values.items()}


# --- Leave types ----------------------------------------------------------------------------


@transaction.atomic
def leave_type_create(*, actor: User, code: str, name: str, now: datetime | None = None, **policy: Any) -> LeaveType:
    """A new leave type (ADMIN). `policy` holds any other field of LEAVE_TYPE_FIELDS."""
    require_admin(actor, "create leave types")
    check_changes(policy, LEAVE_TYPE_FIELDS)
    _check_half_days(policy, DAY_FIELDS)
    code = code.strip().upper()
    if LeaveType.objects.filter(code=code).exists():
        raise Conflict(f"A leave type with code {code} exists.", code="code_taken", fields={"code": ["Taken."]})
    leave_type = LeaveType(code=code, name=name, created_at=now or timezone.now(), **policy)
    try:
        with transaction.atomic():
            leave_type.save(force_insert=True)
    except IntegrityError as exc:
        raise Conflict(
            f"A leave type with code {code} exists.", code="code_taken", fields={"code": ["Taken."]}
        ) from exc
    audit_record(
        actor=actor,
        action=Action.LEAVE_TYPE_CHANGE,
        target=leave_type,
        changes=_jsonable({"code": code, "name": name, **policy}),
        now=now,
    )
    return leave_type


@transaction.atomic
def leave_type_update(
    *, actor: User, leave_type: LeaveType, changes: Mapping[str, Any], now: datetime | None = None
) -> LeaveType:
    """Change a type's policy (ADMIN); `active=False` deactivates it (no new requests; history stays).
    Approved requests and ledger rows keep what they were decided with."""
    require_admin(actor, "change leave types")
    check_changes(changes, LEAVE_TYPE_FIELDS)
    _check_half_days(changes, DAY_FIELDS)
    leave_type = LeaveType.objects.select_for_update().get(pk=leave_type.pk)
    changes = dict(changes)
    if "code" in changes:
        changes["code"] = changes["code"].strip().upper()
        if LeaveType.objects.filter(code=changes["code"]).exclude(pk=leave_type.pk).exists():
            raise Conflict(f"A leave type with code {changes['code']} exists.", code="code_taken")
    before = {name: getattr(leave_type, name) for name in changes}
    for name, value in changes.items():
        setattr(leave_type, name, value)
    leave_type.save()
    changed = {name: [before[name], value] for name, value in changes.items() if before[name] != value}
    if changed:
        audit_record(
            actor=actor,
            action=Action.LEAVE_TYPE_CHANGE,
            target=leave_type,
            changes={
                name: [_jsonable({"v": old})["v"], _jsonable({"v": new})["v"]] for name, (old, new) in changed.items()
            },
            now=now,
        )
    return leave_type


# --- Company holidays -----------------------------------------------------------------------


def _holiday_values(values: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(values)
    for name in ("country", "subdivision"):
        if name in values:
            values[name] = (values[name] or "").strip().upper()
    return values


def _save_holiday(holiday: Holiday) -> None:
    check_holiday_location(holiday.country, holiday.subdivision)
    clash = Holiday.objects.filter(date=holiday.date, country=holiday.country, subdivision=holiday.subdivision)
    if holiday.pk is not None:
        clash = clash.exclude(pk=holiday.pk)
    if clash.exists():
        raise Conflict(
            "A company holiday on that date for that place exists.", code="holiday_exists", fields={"date": ["Taken."]}
        )
    try:
        with transaction.atomic():
            holiday.save()
    except IntegrityError as exc:
        raise Conflict("A company holiday on that date for that place exists.", code="holiday_exists") from exc


@transaction.atomic
def holiday_create(
    *,
    actor: User,
    date: date,
    name: str,
    country: str = "",
    subdivision: str = "",
    half_day: bool = False,
    now: datetime | None = None,
) -> Holiday:
    """A company holiday (ADMIN): everywhere, in one country, or in one subdivision of it. Pending
    requests are costed again when they are approved; approved ones keep their days."""
    require_admin(actor, "manage company holidays")
    values = _holiday_values({"country": country, "subdivision": subdivision})
    holiday = Holiday(date=date, name=name, half_day=half_day, created_at=now or timezone.now(), **values)
    _save_holiday(holiday)
    audit_record(
        actor=actor,
        action=Action.HOLIDAY_CHANGE,
        target=holiday,
        changes=_jsonable({"created": True, "date": date, "name": name, "half_day": half_day, **values}),
        now=now,
    )
    return holiday


@transaction.atomic
def holiday_update(
    *, actor: User, holiday: Holiday, changes: Mapping[str, Any], now: datetime | None = None
) -> Holiday:
    require_admin(actor, "manage company holidays")
    check_changes(changes, HOLIDAY_FIELDS)
    holiday = Holiday.objects.select_for_update().get(pk=holiday.pk)
    changes = _holiday_values(changes)
    before = {name: getattr(holiday, name) for name in changes}
    for name, value in changes.items():
        setattr(holiday, name, value)
    _save_holiday(holiday)
    changed = {k: [str(before[k]), str(v)] for k, v in changes.items() if before[k] != v}
    if changed:
        audit_record(actor=actor, action=Action.HOLIDAY_CHANGE, target=holiday, changes=changed, now=now)
    return holiday


@transaction.atomic
def holiday_delete(*, actor: User, holiday: Holiday, now: datetime | None = None) -> None:
    require_admin(actor, "manage company holidays")
    audit_record(
        actor=actor,
        action=Action.HOLIDAY_CHANGE,
        target=holiday,
        changes={"deleted": True, "date": str(holiday.date), "name": holiday.name},
        now=now,
    )
    if not Holiday.objects.filter(pk=holiday.pk).delete()[0]:
        raise NotFound("Holiday not found.")


# --- Work patterns --------------------------------------------------------------------------


@transaction.atomic
def work_pattern_set(
    *,
    actor: User,
    user: User,
    hours: Mapping[str, Decimal],
    valid_from: date | None = None,
    now: datetime | None = None,
) -> WorkPattern:
    """Set `user`'s hours per weekday from `valid_from` (default: today where they live) until the
    next pattern; setting the same start again replaces that pattern. Yourself, or an ADMIN for
    anyone (audited). Pending requests are costed again when approved; approved ones keep their days."""
    if actor.pk != user.pk and not actor.is_admin_role:
        raise PermissionDenied("Only an ADMIN can set another user's work pattern.")
    check_changes(hours, WEEKDAYS)
    missing = [day for day in WEEKDAYS if day not in hours]
    if missing:
        raise ValidationFailed(f"{missing[0]}: Required.", fields={day: ["Required."] for day in missing})
    now = now or timezone.now()
    valid_from = valid_from or local_today(user, now)
    pattern, _ = WorkPattern.objects.update_or_create(
        user=user, valid_from=valid_from, defaults={day: Decimal(hours[day]) for day in WEEKDAYS}
    )
    audit_change(
        actor=actor,
        owner=user,
        action=Action.WORK_PATTERN_CHANGE,
        target=pattern,
        changes={"valid_from": str(valid_from), **{day: str(hours[day]) for day in WEEKDAYS}},
        now=now,
    )
    return pattern


# --- Allocations ----------------------------------------------------------------------------

ALLOCATION_KINDS = (LedgerKind.ALLOCATION, LedgerKind.ADJUSTMENT)


@transaction.atomic
def leave_allocation_create(
    *,
    actor: User,
    user: User,
    leave_type: LeaveType,
    year: int,
    days: Decimal,
    kind: str = LedgerKind.ALLOCATION,
    note: str = "",
    now: datetime | None = None,
) -> LeaveLedgerEntry:
    """An allocation or adjustment of `user`'s balance of one type in one year (ADMIN): a new
    ledger row, signed, in half-day steps; audited."""
    require_admin(actor, "allocate leave")
    if kind not in ALLOCATION_KINDS:
        raise ValidationFailed("kind: Use allocation or adjustment.", fields={"kind": ["allocation or adjustment."]})
    if Decimal(days) == 0:
        raise ValidationFailed("days: Must not be 0.", fields={"days": ["Must not be 0."]})
    lock_user(user)
    row = ledger_append(
        user=user, leave_type=leave_type, year=year, days=days, kind=kind, actor=actor, note=note, now=now
    )
    audit_record(
        actor=actor,
        action=Action.LEAVE_ALLOCATION,
        target=row,
        changes={
            "user": str(user.uuid),
            "type": leave_type.code,
            "year": year,
            "kind": kind,
            "days": str(row.days),
            "note": note,
        },
        now=now,
    )
    return row
