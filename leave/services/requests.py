"""Leave requests: preview, submit, change, withdraw, approve, reject, cancel.

Every write of one user's requests takes that user's row lock first (leave.services.ledger.lock_user),
so overlap and balance checks see each other's writes; decisions are conditional updates on the
status they expect, so of two decisions at once exactly one happens. Each request is costed by
leave.selectors.days.leave_cost, on submit and again on approval.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import audit_change, audit_record
from config.changes import check_changes
from config.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from leave.hooks import before_approve
from leave.models import EndHalf, LeaveLedgerEntry, LeaveRequest, LeaveType, LedgerKind, RequestStatus, StartHalf
from leave.selectors.balances import Figures, balance_figures
from leave.selectors.days import RangeCost, leave_cost, local_today
from leave.selectors.requests import clashes_elsewhere, overlapping_requests, team_off_count
from leave.services.ledger import ledger_append, lock_user
from leave.services.notify import notify_cancelled, notify_decided, notify_submitted, show_days

REQUEST_FIELDS = ("start_date", "end_date", "start_half", "end_half", "reason")
OVERLAP_CONSTRAINT = "leave_request_no_overlap"


@dataclass(frozen=True)
class Span:
    start_date: date
    end_date: date
    start_half: str = StartHalf.FULL
    end_half: str = EndHalf.FULL


@dataclass(frozen=True)
class Decision:
    """A request after a write, with the warnings the before-approve checks returned."""

    request: LeaveRequest
    warnings: list[dict] = field(default_factory=list)


# --- Rules ----------------------------------------------------------------------------------


def check_span(leave_type: LeaveType, span: Span) -> None:
    """The request's shape: ordered dates, a bounded length, half days only where allowed (400)."""
    if span.end_date < span.start_date:
        raise ValidationFailed("end_date: Must be on or after start_date.", fields={"end_date": ["Before start_date."]})
    length = (span.end_date - span.start_date).days + 1
    if length > settings.LEAVE_MAX_REQUEST_DAYS:
        message = f"At most {settings.LEAVE_MAX_REQUEST_DAYS} calendar days in one request."
        raise ValidationFailed(f"end_date: {message}", fields={"end_date": [message]})
    halves = {"start_half": span.start_half != StartHalf.FULL, "end_half": span.end_half != EndHalf.FULL}
    if any(halves.values()) and not leave_type.half_day_allowed:
        message = f"{leave_type.name} is taken in whole days."
        raise ValidationFailed(
            message,
            code="half_day_not_allowed",
            fields={name: [message] for name, half in halves.items() if half},
        )
    if span.start_date == span.end_date and all(halves.values()):
        message = "A one-day request is either the afternoon (start_half) or the morning (end_half), not both."
        raise ValidationFailed(message, fields={"end_half": [message]})


def check_type_usable(leave_type: LeaveType) -> None:
    if not leave_type.active:
        message = f"{leave_type.name} is no longer offered."
        raise ValidationFailed(f"type: {message}", code="leave_type_inactive", fields={"type": [message]})


def cost_of(user: User, span: Span) -> RangeCost:
    return leave_cost(
        user=user, start=span.start_date, end=span.end_date, start_half=span.start_half, end_half=span.end_half
    )


def no_working_days() -> ValidationFailed:
    message = "The dates cost no leave: they are all non-working days or holidays."
    return ValidationFailed(message, code="no_working_days", fields={"end_date": [message]})


def overlap_conflict(other: LeaveRequest) -> Conflict:
    message = (
        f"Overlaps your {other.status} request {other.uuid} ({other.start_date:%Y-%m-%d} to {other.end_date:%Y-%m-%d})."
    )
    return Conflict(
        message,
        code="overlap",
        fields={"start_date": [message]},
        extra={"conflicting_request": str(other.uuid)},
    )


def check_overlap(user: User, span: Span, *, exclude: LeaveRequest | None = None) -> None:
    found = overlapping_requests(user=user, exclude=exclude, **vars(span))
    if found:
        raise overlap_conflict(found[0])


def year_figures(
    user: User, leave_type: LeaveType, cost: RangeCost, exclude: LeaveRequest | None
) -> dict[int, Figures]:
    figures = balance_figures(keys=[(user.pk, leave_type.pk, year) for year in cost.by_year], exclude_request=exclude)
    return {year: figures[(user.pk, leave_type.pk, year)] for year in cost.by_year}


def check_balance(user: User, leave_type: LeaveType, cost: RangeCost, *, exclude: LeaveRequest | None = None) -> None:
    """409 `insufficient_balance` naming `available` when a year's days exceed what is available
    there (down to -negative_limit_days). Types that deduct no balance are not checked."""
    if not leave_type.deducts_balance:
        return
    figures = year_figures(user, leave_type, cost, exclude)
    for year, days in sorted(cost.by_year.items()):
        available = figures[year].available
        if days and available - days < -leave_type.negative_limit_days:
            raise Conflict(
                f"Not enough {leave_type.name} in {year}: {show_days(available)} available, "
                f"this needs {show_days(days)}.",
                code="insufficient_balance",
                extra={"available": float(available), "requested": float(days), "year": year},
            )


@contextmanager
def constraint_conflicts(user: User, span: Span, *, exclude: LeaveRequest | None = None) -> Iterator[None]:
    """Run the write in a savepoint; PostgreSQL's exclusion constraint (a race past the check
    above, or a write that skipped it) becomes the same 409 as the check."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if OVERLAP_CONSTRAINT in str(exc):
            found = overlapping_requests(user=user, exclude=exclude, **vars(span))
            if found:
                raise overlap_conflict(found[0]) from exc
            raise Conflict("The request overlaps another of yours.", code="overlap") from exc
        raise Conflict("The request conflicts with the current data.", code="conflict") from exc


def check_decider(actor: User, request: LeaveRequest) -> None:
    """The requester's manager or an ADMIN decides; never on your own request (403); anyone else
    does not see the request at all (404)."""
    if actor.pk == request.user_id:
        raise PermissionDenied("You cannot decide your own leave request.")
    if not (actor.is_admin_role or (request.user.manager_id is not None and request.user.manager_id == actor.pk)):
        raise NotFound("Leave request not found.")


def already_decided(request: LeaveRequest) -> Conflict:
    current = LeaveRequest.objects.select_related("approver").get(pk=request.pk)
    by = f" by {current.approver.email}" if current.approver else ""
    return Conflict(
        f"The request is {current.status}{by} already.",
        code="not_pending",
        extra={"status": current.status},
    )


def _warnings(results: list[Any]) -> list[dict]:
    """Registered checks return strings, dicts or lists of them; the API shows {code, message, data}."""
    found = []
    for result in results:
        for item in result if isinstance(result, (list, tuple)) else [result]:
            if isinstance(item, Mapping):
                data = dict(item)
                code, message = str(data.pop("code", "warning")), str(data.pop("message", ""))
                found.append({"code": code, "message": message, "data": data})
            elif item is not None:
                found.append({"code": "warning", "message": str(item), "data": {}})
    return found


# --- Preview --------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearBalance:
    year: int
    days: Decimal
    available_before: Decimal
    available_after: Decimal
    negative_limit: Decimal

    @property
    def sufficient(self) -> bool:
        return self.available_after >= -self.negative_limit


@dataclass(frozen=True)
class Preview:
    cost: RangeCost
    balances: list[YearBalance]
    own_overlaps: list[LeaveRequest]
    team_off: int
    problems: list[dict]
    elsewhere: list[dict] = field(default_factory=list)  # what other apps find clashing (appointments)


def leave_request_preview(
    *, actor: User, leave_type: LeaveType, span: Span, exclude: LeaveRequest | None = None
) -> Preview:
    """What submitting would do, writing nothing: the cost, holidays and non-working days skipped,
    the balance before and after, your overlapping requests, how many of your team are off and
    what other apps find clashing (leave.hooks.request_clashes: your appointments as a staff
    member, say). Shape errors are 400s as on submit; what submit would refuse with a 409 is listed in `problems`."""
    check_span(leave_type, span)
    cost = cost_of(actor, span)
    problems = []
    if not leave_type.active:
        problems.append({"code": "leave_type_inactive", "message": f"{leave_type.name} is no longer offered."})
    if not cost.days:
        problems.append({"code": "no_working_days", "message": no_working_days().message})
    overlaps = overlapping_requests(user=actor, exclude=exclude, **vars(span))
    if overlaps:
        problems.append({"code": "overlap", "message": overlap_conflict(overlaps[0]).message})
    balances = []
    if leave_type.deducts_balance:
        for year, figures in sorted(year_figures(actor, leave_type, cost, exclude).items()):
            days = cost.by_year[year]
            balance = YearBalance(
                year, days, figures.available, figures.available - days, leave_type.negative_limit_days
            )
            balances.append(balance)
            if days and not balance.sufficient:
                problems.append(
                    {
                        "code": "insufficient_balance",
                        "message": f"Not enough {leave_type.name} in {year}: {show_days(figures.available)} available.",
                    }
                )
    team_off = team_off_count(user=actor, start=span.start_date, end=span.end_date)
    unsaved = LeaveRequest(user=actor, leave_type=leave_type, status=RequestStatus.PENDING, **vars(span))
    (elsewhere,) = clashes_elsewhere([unsaved])
    return Preview(
        cost=cost,
        balances=balances,
        own_overlaps=overlaps,
        team_off=team_off,
        problems=problems,
        elsewhere=elsewhere,
    )


# --- Writes ---------------------------------------------------------------------------------


def _approve_pending(
    request: LeaveRequest, *, approver: User | None, cost: RangeCost, note: str, reassign_or_cancel: bool, now: datetime
) -> list[dict]:
    """Ask the before-approve checks, turn the pending request approved by a conditional update,
    and write one `taken` row per calendar year it touches."""
    warnings = _warnings(before_approve.call(request, reassign_or_cancel=reassign_or_cancel, actor=approver))
    updated = LeaveRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING).update(
        status=RequestStatus.APPROVED,
        approver=approver,
        decided_at=now,
        decision_note=note,
        days=cost.days,
        days_by_year=cost.by_year_json(),
        updated_at=now,
    )
    if not updated:
        raise already_decided(request)
    request.status, request.approver, request.decided_at, request.decision_note = (
        RequestStatus.APPROVED,
        approver,
        now,
        note,
    )
    request.days, request.days_by_year, request.updated_at = cost.days, cost.by_year_json(), now
    taken = [(year, days) for year, days in cost.by_year.items() if days]
    _ledger_rows(request, taken, kind=LedgerKind.TAKEN, actor=approver, now=now)
    return warnings


def _ledger_rows(
    request: LeaveRequest,
    days_by_year: Iterable[tuple[int, Decimal]],
    *,
    kind: str,
    actor: User | None,
    now: datetime,
    note: str = "",
) -> None:
    """A row of `kind` for `request` per year, in year order, each minus that year's days: what an
    approval takes, or (from the taken rows) what a cancellation gives back."""
    for year, days in sorted(days_by_year):
        ledger_append(
            user=request.user,
            leave_type=request.leave_type,
            year=year,
            days=-days,
            kind=kind,
            request=request,
            actor=actor,
            note=note,
            now=now,
        )


@transaction.atomic
def leave_request_submit(
    *,
    actor: User,
    leave_type: LeaveType,
    start_date: date,
    end_date: date,
    start_half: str = StartHalf.FULL,
    end_half: str = EndHalf.FULL,
    reason: str = "",
    now: datetime | None = None,
) -> Decision:
    """Ask for leave. 400 for a bad shape, an inactive type or a range costing 0 days; 409 for an
    overlap with your pending or approved requests (`conflicting_request`) or too small a balance
    (`available`). Types that need no approval are approved at once (with the before-approve
    checks' warnings); otherwise the approver (manager, else the ADMINs) is notified."""
    now = now or timezone.now()
    span = Span(start_date, end_date, start_half, end_half)
    check_type_usable(leave_type)
    check_span(leave_type, span)
    lock_user(actor)
    cost = cost_of(actor, span)
    if not cost.days:
        raise no_working_days()
    check_overlap(actor, span)
    check_balance(actor, leave_type, cost)
    request = LeaveRequest(
        user=actor,
        leave_type=leave_type,
        reason=reason,
        days=cost.days,
        days_by_year=cost.by_year_json(),
        status=RequestStatus.PENDING,
        created_at=now,
        **vars(span),
    )
    with constraint_conflicts(actor, span):
        request.save(force_insert=True)
    warnings = []
    if not leave_type.requires_approval:
        warnings = _approve_pending(request, approver=None, cost=cost, note="", reassign_or_cancel=False, now=now)
    notify_submitted(request)
    return Decision(request, warnings)


@transaction.atomic
def leave_request_update(
    *, actor: User, request: LeaveRequest, changes: Mapping[str, Any], now: datetime | None = None
) -> LeaveRequest:
    """Change your own pending request (fields of REQUEST_FIELDS); its days are costed again and
    the overlap and balance rules checked as on submit. 409 `not_pending` once decided."""
    check_changes(changes, REQUEST_FIELDS)
    if actor.pk != request.user_id:
        raise PermissionDenied("Only the requester can change a leave request.")
    now = now or timezone.now()
    lock_user(actor)
    request = LeaveRequest.objects.select_related("user", "leave_type").get(pk=request.pk)
    if request.status != RequestStatus.PENDING:
        raise already_decided(request)
    values = {name: changes.get(name, getattr(request, name)) for name in REQUEST_FIELDS}
    span = Span(values["start_date"], values["end_date"], values["start_half"], values["end_half"])
    check_span(request.leave_type, span)
    cost = cost_of(actor, span)
    if not cost.days:
        raise no_working_days()
    check_overlap(actor, span, exclude=request)
    check_balance(actor, request.leave_type, cost, exclude=request)
    with constraint_conflicts(actor, span, exclude=request):
        updated = LeaveRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING).update(
            days=cost.days, days_by_year=cost.by_year_json(), updated_at=now, **values
        )
    if not updated:
        raise already_decided(request)
    for name, value in values.items():
        setattr(request, name, value)
    request.days, request.days_by_year, request.updated_at = cost.days, cost.by_year_json(), now
    return request


@transaction.atomic
def leave_request_delete(*, actor: User, request: LeaveRequest) -> None:
    """Withdraw your own pending request (it is deleted). 409 `not_pending` once decided: cancel it instead."""
    if actor.pk != request.user_id:
        raise PermissionDenied("Only the requester can withdraw a leave request.")
    if not LeaveRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING).delete()[0]:
        raise already_decided(request)


@transaction.atomic
def leave_request_approve(
    *,
    actor: User,
    request: LeaveRequest,
    note: str = "",
    reassign_or_cancel: bool = False,
    now: datetime | None = None,
) -> Decision:
    """Approve a pending request (the requester's manager or an ADMIN). The days are costed again
    and the balance checked again (409 `insufficient_balance`), the before-approve checks run
    (their warnings come back; a Conflict from one blocks), then a conditional update on
    `status='pending'` decides: of many decisions at once exactly one wins, the rest get 409
    `not_pending`. Writes the `taken` rows, one audit row, and notifies the requester."""
    now = now or timezone.now()
    check_decider(actor, request)
    lock_user(request.user)
    request = LeaveRequest.objects.select_related("user", "leave_type").get(pk=request.pk)
    if request.status != RequestStatus.PENDING:
        raise already_decided(request)
    span = Span(request.start_date, request.end_date, request.start_half, request.end_half)
    cost = cost_of(request.user, span)
    if not cost.days:
        raise Conflict(
            "The dates cost no leave any more (holidays or the work pattern changed).", code="no_working_days"
        )
    check_balance(request.user, request.leave_type, cost, exclude=request)
    warnings = _approve_pending(
        request, approver=actor, cost=cost, note=note, reassign_or_cancel=reassign_or_cancel, now=now
    )
    audit_record(
        actor=actor,
        action=Action.LEAVE_REQUEST_APPROVE,
        target=request,
        changes={"status": ["pending", "approved"], "days": str(cost.days), "note": note},
        now=now,
    )
    notify_decided(request)
    return Decision(request, warnings)


@transaction.atomic
def leave_request_reject(
    *, actor: User, request: LeaveRequest, note: str = "", now: datetime | None = None
) -> LeaveRequest:
    """Reject a pending request (the requester's manager or an ADMIN): a conditional update on
    `status='pending'` (409 `not_pending` if someone decided first), one audit row, a notification."""
    now = now or timezone.now()
    check_decider(actor, request)
    lock_user(request.user)  # the same lock order as approval: the user's row, then the request's
    updated = LeaveRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING).update(
        status=RequestStatus.REJECTED, approver=actor, decided_at=now, decision_note=note, updated_at=now
    )
    if not updated:
        raise already_decided(request)
    request = LeaveRequest.objects.select_related("user", "leave_type", "approver").get(pk=request.pk)
    audit_record(
        actor=actor,
        action=Action.LEAVE_REQUEST_REJECT,
        target=request,
        changes={"status": ["pending", "rejected"], "note": note},
        now=now,
    )
    notify_decided(request)
    return request


@transaction.atomic
def leave_request_cancel(
    *, actor: User, request: LeaveRequest, note: str = "", now: datetime | None = None
) -> LeaveRequest:
    """Cancel a request. The owner cancels a pending one, or an approved one that has not started
    (in their time zone); the manager or an ADMIN cancels an approved one, started or not. An
    approved request's days come back through `reversal` rows (nothing is deleted). Audited when
    someone other than the owner cancels; the approver hears of a cancelled approval."""
    now = now or timezone.now()
    owner = actor.pk == request.user_id
    decider = not owner and (actor.is_admin_role or request.user.manager_id == actor.pk)
    if not owner and not decider:
        raise NotFound("Leave request not found.")
    lock_user(request.user)
    request = LeaveRequest.objects.select_related("user", "leave_type", "approver").get(pk=request.pk)
    was = request.status
    if was == RequestStatus.PENDING and not owner:
        raise PermissionDenied("A pending request is withdrawn by its requester; reject it instead.")
    if was == RequestStatus.APPROVED and owner and request.start_date <= local_today(request.user, now):
        raise Conflict("This leave has started; your manager or an ADMIN can cancel it.", code="already_started")
    if was not in (RequestStatus.PENDING, RequestStatus.APPROVED):
        raise Conflict(f"A {was} request cannot be cancelled.", code="not_cancellable", extra={"status": was})
    if not LeaveRequest.objects.filter(pk=request.pk, status=was).update(
        status=RequestStatus.CANCELLED, updated_at=now
    ):
        raise already_decided(request)
    request.status, request.updated_at = RequestStatus.CANCELLED, now
    if was == RequestStatus.APPROVED:
        taken = LeaveLedgerEntry.objects.filter(request=request, kind=LedgerKind.TAKEN).values_list("year", "days")
        _ledger_rows(request, taken, kind=LedgerKind.REVERSAL, actor=actor, now=now, note=note)
        notify_cancelled(request, actor=actor)
    audit_change(
        actor=actor,
        owner=request.user,
        action=Action.LEAVE_REQUEST_CANCEL,
        target=request,
        changes={"status": [was, "cancelled"], "note": note},
        now=now,
    )
    return request
