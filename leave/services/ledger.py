"""The one gate every ledger row goes through (approval, cancellation, allocations, the jobs)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from config.errors import ValidationFailed
from leave.models import LeaveLedgerEntry, LeaveRequest, LeaveType, LedgerKind
from leave.selectors.days import round_half

# The sign each kind's rows must have (None: either).
SIGNS = {
    LedgerKind.ALLOCATION: None,
    LedgerKind.ACCRUAL: 1,
    LedgerKind.CARRY_OVER: 1,
    LedgerKind.EXPIRY: -1,
    LedgerKind.TAKEN: -1,
    LedgerKind.REVERSAL: 1,
    LedgerKind.ADJUSTMENT: None,
}


def lock_user(user: User) -> None:
    """Hold `user`'s row until the transaction ends: every check-then-write of one user's leave
    (submit, change, approve, cancel, carry-over, expiry) takes it, so their balance and overlap
    checks see each other's writes. A no-op on SQLite, whose IMMEDIATE transactions already hold
    the database's write lock.

    FOR NO KEY UPDATE: it excludes the other leave writers of this user, but not inserts that merely
    reference the user (notifications, audit and ledger rows), so it cannot deadlock against them."""
    list(User.objects.select_for_update(no_key=True).filter(pk=user.pk).values_list("pk", flat=True))


def ledger_append(
    *,
    user: User,
    leave_type: LeaveType,
    year: int,
    days: Decimal,
    kind: str,
    actor: User | None = None,
    request: LeaveRequest | None = None,
    period: str = "",
    note: str = "",
    now: datetime | None = None,
) -> LeaveLedgerEntry | None:
    """Add one row. `days` must be in half-day steps with the sign its kind requires. A row with a
    `period` (the jobs') or a `request` that already exists is not written twice: None is returned
    and nothing changes (the unique keys decide, so two concurrent runs cannot both write)."""
    days = Decimal(days)
    if round_half(days) != days:
        raise ValidationFailed("days: Use half-day steps (0.5, 1, 1.5, ...).", fields={"days": ["Half-day steps."]})
    sign = SIGNS[LedgerKind(kind)]
    if days == 0 or (sign is not None and days * sign < 0):
        raise ValueError(f"a {kind} row of {days} days is not allowed")
    row = LeaveLedgerEntry(
        user=user,
        leave_type=leave_type,
        year=year,
        days=days,
        kind=kind,
        period=period,
        request=request,
        note=note[:500],
        actor=actor if actor is not None and actor.is_authenticated else None,
        created_at=now or timezone.now(),
    )
    if not period and request is None:
        row.save(force_insert=True)
        return row
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        same = {"period": period} if period else {"request": request, "year": year}
        if LeaveLedgerEntry.objects.filter(user=user, leave_type=leave_type, kind=kind, **same).exists():
            return None
        raise
    return row
