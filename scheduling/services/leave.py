"""Leave meets scheduling: registered into leave's hooks (leave.hooks.before_approve and
leave.hooks.request_clashes) by SchedulingConfig.ready(), so leave never imports scheduling."""

from __future__ import annotations

from accounts.models import User
from config.errors import Conflict
from scheduling.models import Appointment, AppointmentStatus
from scheduling.selectors import appointments_clashing, appointments_clashing_leave
from scheduling.services.appointments import appointment_reassign_or_cancel
from scheduling.services.notify import when

LEAVE_REASON = "The staff member is on leave then."


def _summary(appointment: Appointment) -> dict:
    return {
        "id": str(appointment.uuid),
        "start_utc": appointment.start_utc.isoformat().replace("+00:00", "Z"),
        "end_utc": appointment.end_utc.isoformat().replace("+00:00", "Z"),
        "service": appointment.service.name,
        "customer": appointment.customer.email,
        "status": appointment.status,
    }


def check_appointments_before_leave(request, *, reassign_or_cancel: bool, actor: User | None = None):
    """Before leave turns approved: the staff member's active appointments in its days (halves as
    the availability function splits them). None clash: nothing to say. Some clash: a 409
    `appointments_clash` listing them, unless the approver asked `reassign_or_cancel`; then each
    is given to another free staff member offering its service, or cancelled, the customer is
    told (by `actor`, the approver, who is also the actor of each audit row), and the approval
    answers with one warning per appointment."""
    staff = request.user
    # One query when (as for most people) there is no appointment near the dates.
    clashes = appointments_clashing(
        staff=staff,
        start_date=request.start_date,
        end_date=request.end_date,
        start_half=request.start_half,
        end_half=request.end_half,
    )
    if not clashes:
        return None
    if not reassign_or_cancel:
        listed = "; ".join(f"{a.service.name} on {when(a, staff)} with {a.customer.name}" for a in clashes)
        raise Conflict(
            f"{staff.name} has {len(clashes)} appointment(s) during this leave: {listed}. Approve with "
            "reassign_or_cancel=true to give them to colleagues or cancel them.",
            code="appointments_clash",
            extra={"appointments": [_summary(a) for a in clashes]},
        )
    warnings = []
    context = {"leave_request": str(request.uuid)}
    for appointment in clashes:
        outcome, chosen = appointment_reassign_or_cancel(
            appointment=appointment, actor=actor, reason=LEAVE_REASON, context=context
        )
        if outcome == "reassigned":
            message = f"{appointment.service.name} on {when(appointment, staff)} moved to {chosen.name}."
            warnings.append(
                {
                    "code": "appointment_reassigned",
                    "message": message,
                    "appointment": str(appointment.uuid),
                    "staff": str(chosen.uuid),
                }  # fmt: skip
            )
        elif outcome == "cancelled":
            message = f"{appointment.service.name} on {when(appointment, staff)} cancelled; the customer was told."
            warnings.append({"code": "appointment_cancelled", "message": message, "appointment": str(appointment.uuid)})
    return warnings


def appointments_clashing_requests(requests) -> list[list[dict]]:
    """For each leave request (saved or not), its requester's active appointments in its days, as
    the leave console and preview show them. Reads only, in a fixed number of queries."""
    found = appointments_clashing_leave([(request.user, request) for request in requests])
    return [[_clash(appointment) for appointment in appointments] for appointments in found]


def _clash(appointment: Appointment) -> dict:
    waiting = " (awaiting confirmation)" if appointment.status == AppointmentStatus.REQUESTED else ""
    return {
        "kind": "appointment",
        "id": str(appointment.uuid),
        "start_utc": appointment.start_utc,
        "end_utc": appointment.end_utc,
        "message": f"{appointment.service.name} with {appointment.customer.name} on "
        f"{when(appointment, appointment.staff)}{waiting}",
    }
