"""The leave jobs: yearly grants, monthly accrual, carry-over at year end and its expiry.

Each job writes ledger rows through `ledger_append` with a `period`, and the ledger's unique key
(user, type, kind, period) lets each row exist once: running a job twice, or twice at the same
time, writes nothing more. Each user is handled in a transaction of their own, so one failure
does not undo the rest. "This year" is each user's own year, in their time zone.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from leave.models import Accrual, LeaveLedgerEntry, LeaveRequest, LeaveType, LedgerKind, RequestStatus
from leave.selectors.balances import balance_figures
from leave.selectors.days import leave_cost, local_today, round_half
from leave.services.ledger import ledger_append, lock_user

Progress = Callable[[str], None]
ZERO = Decimal("0")


@dataclass
class JobReport:
    written: list[LeaveLedgerEntry] = field(default_factory=list)
    already: int = 0  # rows an earlier (or concurrent) run had written

    @property
    def days(self) -> Decimal:
        return sum((row.days for row in self.written), ZERO)


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


def _write(report: JobReport, progress: Progress | None, **row) -> None:
    written = ledger_append(**row)
    if written is None:
        report.already += 1
        return
    report.written.append(written)
    _say(progress, f"  {row['user'].email} {row['leave_type'].code} {row['kind']} {row['period']}: {written.days:+}")


def _active_users():
    return User.objects.filter(is_active=True).order_by("pk")


def _joined(user: User) -> date:
    return local_today(user, user.date_joined)


def _done(kind: str, types) -> set[tuple[int, int, str]]:
    """(user, type, period) of the job rows of `kind` already written, in one query."""
    rows = LeaveLedgerEntry.objects.filter(kind=kind, leave_type__in=types).exclude(period="")
    return set(rows.values_list("user_id", "leave_type_id", "period"))


def prorated_grant(annual_days: Decimal, joined: date, year: int) -> Decimal:
    """A year's grant for someone who joined on `joined`: all of it for an earlier start, the
    share of the full months left for a start during the year (the start month counts when they
    started on its 1st), rounded to half days; nothing for a later start."""
    if joined.year < year:
        return Decimal(annual_days)
    if joined.year > year:
        return ZERO
    full_months = 12 - joined.month + (1 if joined.day == 1 else 0)
    return round_half(Decimal(annual_days) * full_months / 12)


def monthly_accrual(annual_days: Decimal, month: int) -> Decimal:
    """Month `month`'s share of `annual_days`, in half days, such that the twelve sum exactly to it."""
    annual = Decimal(annual_days)
    return round_half(annual * month / 12) - round_half(annual * (month - 1) / 12)


def leave_grant_yearly(
    *, year: int | None = None, now: datetime | None = None, progress: Progress | None = None
) -> JobReport:
    """Each active user's `annual_days` of every active yearly type that has a balance, as an
    `allocation` row with period "YYYY": for `year`, or for each user's current year (so it
    happens on 1 January where they live; an operator may run it ahead for next year). Someone
    who joined during the year gets the share of the full months left."""
    now = now or timezone.now()
    types = list(LeaveType.objects.filter(active=True, deducts_balance=True, accrual=Accrual.YEARLY, annual_days__gt=0))
    done = _done(LedgerKind.ALLOCATION, types)
    report = JobReport()
    for user in _active_users():
        grant_year = year or local_today(user, now).year
        for leave_type in types:
            period = str(grant_year)
            if (user.pk, leave_type.pk, period) in done:
                report.already += 1
                continue
            days = prorated_grant(leave_type.annual_days, _joined(user), grant_year)
            if days <= 0:
                continue
            with transaction.atomic():
                _write(
                    report,
                    progress,
                    user=user,
                    leave_type=leave_type,
                    year=grant_year,
                    days=days,
                    kind=LedgerKind.ALLOCATION,
                    period=period,
                    note=f"Yearly grant {grant_year}",
                    now=now,
                )
    return report


def leave_accrue(
    *, year: int | None = None, now: datetime | None = None, progress: Progress | None = None
) -> JobReport:
    """For every active monthly type with a balance: each month of `year` (default: each user's
    current year) that has begun where the user lives and that they worked from its first day,
    an `accrual` row of `monthly_accrual` with period "YYYY-MM". Missed months are caught up."""
    now = now or timezone.now()
    types = list(
        LeaveType.objects.filter(active=True, deducts_balance=True, accrual=Accrual.MONTHLY, annual_days__gt=0)
    )
    done = _done(LedgerKind.ACCRUAL, types)
    report = JobReport()
    for user in _active_users():
        today = local_today(user, now)
        accrual_year = year or today.year
        last_month = 12 if accrual_year < today.year else (today.month if accrual_year == today.year else 0)
        joined = _joined(user)
        for leave_type in types:
            for month in range(1, last_month + 1):
                period = f"{accrual_year}-{month:02d}"
                if (user.pk, leave_type.pk, period) in done:
                    report.already += 1
                    continue
                days = monthly_accrual(leave_type.annual_days, month)
                if joined > date(accrual_year, month, 1) or days <= 0:
                    continue
                with transaction.atomic():
                    _write(
                        report,
                        progress,
                        user=user,
                        leave_type=leave_type,
                        year=accrual_year,
                        days=days,
                        kind=LedgerKind.ACCRUAL,
                        period=period,
                        note=f"Accrual {period}",
                        now=now,
                    )
    return report


def leave_carry_over(
    *, year: int | None = None, now: datetime | None = None, progress: Progress | None = None
) -> JobReport:
    """Close a year: for every active type with `carry_over_max_days`, each user's unused days of
    `year` (default: the year before each user's current one), up to that maximum, become a
    `carry_over` row in the next year (period "YYYY" of the next year); the rest is not carried.
    Unused means the ledger's remaining balance of the closed year."""
    now = now or timezone.now()
    types = list(LeaveType.objects.filter(active=True, deducts_balance=True, carry_over_max_days__gt=0))
    done = _done(LedgerKind.CARRY_OVER, types)
    report = JobReport()
    for user in _active_users():
        closed = year or local_today(user, now).year - 1
        for leave_type in types:
            period = str(closed + 1)
            if (user.pk, leave_type.pk, period) in done:
                report.already += 1
                continue
            with transaction.atomic():
                lock_user(user)
                figures = balance_figures(keys=[(user.pk, leave_type.pk, closed)])[(user.pk, leave_type.pk, closed)]
                days = min(max(ZERO, figures.remaining), leave_type.carry_over_max_days)
                if days <= 0:
                    continue
                _write(
                    report,
                    progress,
                    user=user,
                    leave_type=leave_type,
                    year=closed + 1,
                    days=days,
                    kind=LedgerKind.CARRY_OVER,
                    period=period,
                    note=f"From {closed}: {figures.remaining} unused, {leave_type.carry_over_max_days} at most",
                    now=now,
                )
    return report


def days_taken_by(*, user: User, leave_type: LeaveType, year: int, cutoff: date) -> Decimal:
    """Days of `user`'s approved requests of `leave_type` that fall in `year` on or before `cutoff`,
    costed day by day (a request running past the cutoff counts up to it)."""
    total = ZERO
    requests = LeaveRequest.objects.filter(
        user=user,
        leave_type=leave_type,
        status=RequestStatus.APPROVED,
        start_date__lte=cutoff,
        end_date__gte=date(year, 1, 1),
    )
    for request in requests:
        start = max(request.start_date, date(year, 1, 1))
        end = min(request.end_date, cutoff)
        cost = leave_cost(
            user=user,
            start=start,
            end=end,
            start_half=request.start_half if start == request.start_date else "full",
            end_half=request.end_half if end == request.end_date else "full",
        )
        total += cost.days
    return total


def leave_expire_carry_over(
    *, year: int | None = None, now: datetime | None = None, progress: Progress | None = None
) -> JobReport:
    """Carried days not used by the end of `carry_over_expires_month` expire, as an `expiry` row
    (period "YYYY"). Carried days are used first: what expires is the carried days minus the days
    taken in that year up to the end of that month, never more than the balance still left (days
    already approved for later dates are not taken back). Runs once the month has ended where the
    user lives; `year` defaults to each user's current year."""
    now = now or timezone.now()
    types = list(LeaveType.objects.filter(active=True, carry_over_expires_month__isnull=False))
    done = _done(LedgerKind.EXPIRY, types)
    carried = {
        (row["user_id"], row["leave_type_id"], row["year"]): row["days"]
        for row in LeaveLedgerEntry.objects.filter(kind=LedgerKind.CARRY_OVER, leave_type__in=types)
        .values("user_id", "leave_type_id", "year")
        .annotate(days=Sum("days"))
        .order_by()
    }
    report = JobReport()
    for user in _active_users().filter(pk__in={key[0] for key in carried}):
        today = local_today(user, now)
        expiry_year = year or today.year
        for leave_type in types:
            days_carried = carried.get((user.pk, leave_type.pk, expiry_year), ZERO)
            month = leave_type.carry_over_expires_month
            cutoff = date(expiry_year, month, calendar.monthrange(expiry_year, month)[1])
            if days_carried <= 0 or today <= cutoff:
                continue
            if (user.pk, leave_type.pk, str(expiry_year)) in done:
                report.already += 1
                continue
            with transaction.atomic():
                lock_user(user)
                used = days_taken_by(user=user, leave_type=leave_type, year=expiry_year, cutoff=cutoff)
                key = (user.pk, leave_type.pk, expiry_year)
                remaining = balance_figures(keys=[key])[key].remaining
                days = min(max(ZERO, days_carried - used), max(ZERO, remaining))
                if days <= 0:
                    continue
                _write(
                    report,
                    progress,
                    user=user,
                    leave_type=leave_type,
                    year=expiry_year,
                    days=-days,
                    kind=LedgerKind.EXPIRY,
                    period=str(expiry_year),
                    note=f"Carried days unused by {cutoff:%Y-%m-%d} ({days_carried} carried, {used} taken by then)",
                    now=now,
                )
    return report
