"""Balances: sums over the ledger (one aggregate query), with pending requests beside them.
Nothing stores a running total, so the figures cannot drift from the rows they come from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from accounts.models import User
from leave.models import LeaveLedgerEntry, LeaveRequest, LeaveType, LedgerKind, RequestStatus

ZERO = Decimal("0")

# Figure name -> the ledger kinds summed into it, and the sign shown (taken and expired are shown
# as positive amounts although their rows are negative).
FIGURES = {
    "allocated": ((LedgerKind.ALLOCATION,), 1),
    "accrued": ((LedgerKind.ACCRUAL,), 1),
    "carried_over": ((LedgerKind.CARRY_OVER,), 1),
    "adjusted": ((LedgerKind.ADJUSTMENT,), 1),
    "taken": ((LedgerKind.TAKEN, LedgerKind.REVERSAL), -1),
    "expired": ((LedgerKind.EXPIRY,), -1),
}


@dataclass(frozen=True)
class Figures:
    allocated: Decimal = ZERO
    accrued: Decimal = ZERO
    carried_over: Decimal = ZERO
    adjusted: Decimal = ZERO
    taken: Decimal = ZERO
    expired: Decimal = ZERO
    pending: Decimal = ZERO

    @property
    def remaining(self) -> Decimal:
        """The ledger's sum: what is left once every approved day is taken."""
        return self.allocated + self.accrued + self.carried_over + self.adjusted - self.taken - self.expired

    @property
    def available(self) -> Decimal:
        """What a new request may still use: remaining minus pending requests."""
        return self.remaining - self.pending


@dataclass(frozen=True)
class Balance:
    leave_type: LeaveType
    year: int
    figures: Figures

    def __getattr__(self, name):
        # balance.taken, balance.available, ... read through to the figures.
        return getattr(self.figures, name)


Key = tuple[int, int, int]  # (user pk, leave type pk, year)


def _ledger_sums(rows: QuerySet) -> QuerySet:
    return rows.annotate(
        **{name: Sum("days", filter=Q(kind__in=kinds), default=ZERO) for name, (kinds, _sign) in FIGURES.items()}
    )


def pending_days(requests: Iterable[LeaveRequest | dict], year: int) -> Decimal:
    total = ZERO
    for request in requests:
        by_year = request["days_by_year"] if isinstance(request, dict) else request.days_by_year
        total += Decimal(by_year.get(str(year), "0"))
    return total


def balance_figures(*, keys: Iterable[Key], exclude_request: LeaveRequest | None = None) -> dict[Key, Figures]:
    """Figures for each (user, type, year): one aggregate query over the ledger and one over pending
    requests, whatever the number of keys or rows. `exclude_request` leaves one pending request out
    (the one being approved or changed)."""
    keys = set(keys)
    if not keys:
        return {}
    users = {k[0] for k in keys}
    types = {k[1] for k in keys}
    years = {k[2] for k in keys}
    sums = _ledger_sums(
        LeaveLedgerEntry.objects.filter(user_id__in=users, leave_type_id__in=types, year__in=years)
        .values("user_id", "leave_type_id", "year")
        .order_by()
    )
    found: dict[Key, dict] = {}
    for row in sums:
        key = (row["user_id"], row["leave_type_id"], row["year"])
        found[key] = {name: row[name] * sign for name, (_kinds, sign) in FIGURES.items()}
    pending = LeaveRequest.objects.filter(
        user_id__in=users,
        leave_type_id__in=types,
        status=RequestStatus.PENDING,
        start_date__lte=date(max(years), 12, 31),
        end_date__gte=date(min(years), 1, 1),
    )
    if exclude_request is not None:
        pending = pending.exclude(pk=exclude_request.pk)
    pending_rows = list(pending.values("user_id", "leave_type_id", "days_by_year"))
    figures = {}
    for key in keys:
        user_id, type_id, year = key
        mine = [r for r in pending_rows if r["user_id"] == user_id and r["leave_type_id"] == type_id]
        figures[key] = Figures(**found.get(key, {}), pending=pending_days(mine, year))
    return figures


def leave_balances(*, user: User, year: int) -> list[Balance]:
    """`user`'s balance of every active type (and of inactive ones with rows that year) in `year`.
    Three queries whatever the number of ledger rows: types, ledger sums, pending requests."""
    leave_types = list(
        LeaveType.objects.filter(Q(active=True) | Q(ledger__user=user, ledger__year=year)).distinct().order_by("code")
    )
    figures = balance_figures(keys=[(user.pk, t.pk, year) for t in leave_types])
    return [Balance(t, year, figures[(user.pk, t.pk, year)]) for t in leave_types]


def ledger_list(*, user: User, year: int | None = None, leave_type: LeaveType | None = None) -> QuerySet:
    rows = LeaveLedgerEntry.objects.filter(user=user).select_related("leave_type", "request", "actor", "user")
    if year is not None:
        rows = rows.filter(year=year)
    if leave_type is not None:
        rows = rows.filter(leave_type=leave_type)
    return rows.order_by("created_at", "id")
