"""Inbox messages about leave (e-mail follows on commit for those who want it)."""

from __future__ import annotations

from decimal import Decimal

from accounts.models import Role, User
from accounts.services.notifications import notification_send_many
from leave.models import LeaveRequest


def show_days(days: Decimal) -> str:
    text = format(Decimal(days).normalize(), "f")
    return f"{text} day" if text == "1" else f"{text} days"


def approvers_of(user: User) -> list[User]:
    """Who decides `user`'s requests: their manager, or every active ADMIN when they have none."""
    if user.manager_id is not None and user.manager.is_active:
        return [user.manager]
    return list(User.objects.filter(role=Role.ADMIN, is_active=True).exclude(pk=user.pk))


def _payload(request: LeaveRequest) -> dict:
    return {
        "request": str(request.uuid),
        "user": str(request.user.uuid),
        "type": request.leave_type.code,
        "start_date": request.start_date.isoformat(),
        "end_date": request.end_date.isoformat(),
        "days": str(request.days),
        "status": request.status,
    }


def _span(request: LeaveRequest) -> str:
    if request.start_date == request.end_date:
        return f"on {request.start_date:%Y-%m-%d}"
    return f"from {request.start_date:%Y-%m-%d} to {request.end_date:%Y-%m-%d}"


def notify_submitted(request: LeaveRequest) -> None:
    """A new pending request to its approvers; a type approved at once is reported to them."""
    who = request.user.name
    what = f"{request.leave_type.name} {_span(request)} ({show_days(request.days)})"
    if request.status == "pending":
        kind, message = "leave.requested", f"{who} asks for {what}."
    else:
        kind, message = "leave.reported", f"{who} reported {what}."
    notification_send_many(users=approvers_of(request.user), kind=kind, message=message, payload=_payload(request))


def notify_decided(request: LeaveRequest) -> None:
    verb = "approved" if request.status == "approved" else "rejected"
    by = request.approver.name if request.approver else "someone"
    note = f" Note: {request.decision_note}" if request.decision_note else ""
    message = f"Your {request.leave_type.name} {_span(request)} was {verb} by {by}.{note}"
    notification_send_many(users=[request.user], kind=f"leave.{verb}", message=message, payload=_payload(request))


def notify_cancelled(request: LeaveRequest, *, actor: User) -> None:
    """A cancelled approved request: to its approver when the requester cancelled it, to the
    requester when someone else did."""
    if actor.pk == request.user_id:
        users = [request.approver] if request.approver and request.approver.is_active else approvers_of(request.user)
        message = f"{request.user.name} cancelled their approved {request.leave_type.name} {_span(request)}."
    else:
        users = [request.user]
        message = f"Your approved {request.leave_type.name} {_span(request)} was cancelled by {actor.name}."
    notification_send_many(
        users=[u for u in users if u.pk != actor.pk], kind="leave.cancelled", message=message, payload=_payload(request)
    )
