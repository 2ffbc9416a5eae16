"""Appointments: book, reschedule or edit, confirm, cancel, complete, mark no-show.

Booking and rescheduling are one gate (`_place`): inside the write's transaction it locks the
staff members concerned (their user rows, in primary-key order), runs the availability function
(scheduling.availability) and accepts the start only if that function offers it — the same
function the slot list shows. On PostgreSQL the exclusion constraint backs this up; a booking that
loses a race there becomes the same 409 `slot_taken`. Status changes are conditional updates on
the status they expect, so of two at once exactly one happens.

Who may do what: the customer books, reschedules, edits their notes and cancels (until the
start); the staff member serving it confirms, reschedules, edits their notes, cancels, and after
the start completes it or marks a no-show; an ADMIN does all of it. Anyone else gets a 404.
Changes by someone other than the customer (staff or ADMIN moving or cancelling a booking) and
ADMIN edits are audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Role, User
from audit.models import Action
from audit.services import audit_change, audit_record
from config.changes import check_changes
from config.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from scheduling.availability import StaffPlan, availability
from scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentStatus, Service
from scheduling.services import notify

UPDATABLE_FIELDS = ("start_utc", "staff", "customer_notes", "staff_notes")
NO_OVERLAP_CONSTRAINT = "scheduling_appointment_no_overlap"
CUSTOMER, STAFF, ADMIN = "customer", "staff", "admin"


# --- Rules ----------------------------------------------------------------------------------


def party(actor: User, appointment: Appointment) -> str:
    """Which side `actor` is on: the customer, the staff member, or an ADMIN; anyone else does not
    see the appointment (404)."""
    if actor.pk == appointment.staff_id:
        return STAFF
    if actor.pk == appointment.customer_id:
        return CUSTOMER
    if actor.is_admin_role:
        return ADMIN
    raise NotFound("Appointment not found.")


def lock_staff(staff: Sequence[User]) -> None:
    """Hold the staff members' user rows until the transaction ends, in primary-key order, so two
    bookings with one staff member run their availability check one after the other. On SQLite
    the IMMEDIATE transaction already holds the database's write lock from its start."""
    pks = sorted({member.pk for member in staff})
    list(User.objects.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk", flat=True))


def offering_staff(service: Service) -> list[User]:
    """Active STAFF and ADMIN accounts offering `service`, in primary-key order."""
    return list(service.staff.filter(is_active=True, role__in=(Role.STAFF, Role.ADMIN)).order_by("pk"))


def check_bookable(service: Service) -> None:
    if not service.active:
        message = f"{service.name} is no longer offered."
        raise ValidationFailed(f"service: {message}", code="service_inactive", fields={"service": [message]})


def check_staff_offers(service: Service, staff: User) -> None:
    if not service.staff.filter(pk=staff.pk, is_active=True, role__in=(Role.STAFF, Role.ADMIN)).exists():
        message = f"{staff.name} does not offer {service.name}."
        raise ValidationFailed(f"staff: {message}", code="staff_not_offering", fields={"staff": [message]})


def no_one_free(service: Service, start: datetime, plans: Sequence[StaffPlan]) -> Conflict:
    """The refusal when no candidate offers `start`: the candidate's own reason when there is one
    candidate or all share it, else a summary naming each one's."""
    refusals = [plan.refusal(start) for plan in plans]
    if not refusals:
        message = f"Nobody offers {service.name} at the moment."
        return Conflict(message, code="no_staff")
    if len({refusal.code for refusal in refusals}) == 1:
        return refusals[0]
    return Conflict(
        f"Nobody offering {service.name} is free at {start.isoformat().replace('+00:00', 'Z')}.",
        code="no_staff_free",
        extra={"reasons": {str(plan.staff.uuid): r.code for plan, r in zip(plans, refusals, strict=True)}},
    )


@contextmanager
def slot_conflicts(start: datetime, staff: User):
    """Run the write in a savepoint; PostgreSQL's exclusion constraint (a write that raced past
    the check) becomes the same 409 as the check's."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if NO_OVERLAP_CONSTRAINT in str(exc):
            raise Conflict(
                f"The slot at {start.isoformat().replace('+00:00', 'Z')} with {staff.name} is taken.",
                code="slot_taken",
                extra={"slot": {"start": start.isoformat().replace("+00:00", "Z"), "staff": str(staff.uuid)}},
            ) from exc
        raise Conflict("The appointment conflicts with the current data.", code="conflict") from exc


def _place(
    *,
    service: Service,
    start: datetime,
    candidates: Sequence[User],
    now: datetime,
    exclude: Appointment | None = None,
) -> User:
    """The one gate for a start time: lock the candidates, run the availability function and
    return the first candidate it offers `start` with; otherwise raise the reason (409)."""
    lock_staff(candidates)
    plans = availability(
        service=service, staff=candidates, start=start, end=start + timedelta(minutes=1), now=now, exclude=exclude
    )
    for member in candidates:
        if plans[member.pk].offers(start):
            return member
    raise no_one_free(service, start, [plans[member.pk] for member in candidates])


def _blocked(service: Service, start: datetime) -> dict[str, datetime]:
    end = start + timedelta(minutes=service.duration_minutes)
    return {
        "start_utc": start,
        "end_utc": end,
        "blocked_from": start - timedelta(minutes=service.buffer_before_minutes),
        "blocked_until": end + timedelta(minutes=service.buffer_after_minutes),
    }


def _fresh(appointment: Appointment, *, lock: bool = False) -> Appointment:
    rows = Appointment.objects.select_related("customer", "staff", "service")
    if lock:
        rows = rows.select_for_update(of=("self",))
    return rows.get(pk=appointment.pk)


def _not_active(appointment: Appointment) -> Conflict:
    return Conflict(
        f"The appointment is {appointment.status}.", code="not_active", extra={"status": appointment.status}
    )


# --- Booking --------------------------------------------------------------------------------


@transaction.atomic
def appointment_book(
    *,
    actor: User,
    service: Service,
    start: datetime,
    staff: User | None = None,
    customer_notes: str = "",
    now: datetime | None = None,
) -> Appointment:
    """`actor` books `service` at `start` with `staff`, or with the first staff member (by id)
    free then. `confirmed`, or `requested` when the service requires confirmation. 400 for an
    inactive service or a staff member who does not offer it; 409 naming the rule when the start
    is not an offered slot (too soon, beyond the horizon, outside working hours, holiday, leave,
    taken). The staff member is notified (with an .ics)."""
    now = now or timezone.now()
    check_bookable(service)
    if staff is not None:
        if staff.pk == actor.pk:
            message = "You cannot book an appointment with yourself."
            raise ValidationFailed(f"staff: {message}", fields={"staff": [message]})
        check_staff_offers(service, staff)
        candidates = [staff]
    else:
        candidates = [member for member in offering_staff(service) if member.pk != actor.pk]
    chosen = _place(service=service, start=start, candidates=candidates, now=now)
    status = AppointmentStatus.REQUESTED if service.requires_confirmation else AppointmentStatus.CONFIRMED
    appointment = Appointment(
        customer=actor,
        staff=chosen,
        service=service,
        status=status,
        location=service.location,
        customer_notes=customer_notes,
        created_at=now,
        **_blocked(service, start),
    )
    with slot_conflicts(start, chosen):
        appointment.save(force_insert=True)
    notify.notify_booked(appointment, now=now)
    return appointment


# --- Changes --------------------------------------------------------------------------------


def _reschedule(
    appointment: Appointment, *, actor: User, side: str, start: datetime, staff: User, now: datetime
) -> dict[str, list]:
    if not appointment.is_active:
        raise _not_active(appointment)
    if staff.pk != appointment.staff_id:
        if staff.pk == appointment.customer_id:
            message = "The customer cannot be their own staff member."
            raise ValidationFailed(f"staff: {message}", fields={"staff": [message]})
        check_staff_offers(appointment.service, staff)
    old_staff = appointment.staff
    lock_staff([old_staff, staff])
    _place(service=appointment.service, start=start, candidates=[staff], now=now, exclude=appointment)
    changes: dict[str, list] = {}
    if start != appointment.start_utc:
        changes["start_utc"] = [appointment.start_utc.isoformat(), start.isoformat()]
    if staff.pk != old_staff.pk:
        changes["staff"] = [old_staff.email, staff.email]
    values = _blocked(appointment.service, start)
    status = appointment.status
    if side == CUSTOMER and appointment.service.requires_confirmation:
        status = AppointmentStatus.REQUESTED  # the staff member confirms the new time again
    with slot_conflicts(start, staff):
        Appointment.objects.filter(pk=appointment.pk).update(
            staff=staff, status=status, ics_sequence=F("ics_sequence") + 1, updated_at=now, **values
        )
    for name, value in values.items():
        setattr(appointment, name, value)
    appointment.staff, appointment.status = staff, status
    appointment.ics_sequence += 1
    if actor.pk != appointment.customer_id:
        notify.notify_rescheduled(appointment, to=appointment.customer, by=actor, now=now)
    if actor.pk != staff.pk:
        notify.notify_rescheduled(appointment, to=staff, by=actor, now=now)
    if staff.pk != old_staff.pk and actor.pk != old_staff.pk:
        notify.notify_reassigned(appointment, old_staff=old_staff, by=actor, now=now)
    return changes


@transaction.atomic
def appointment_update(
    *, actor: User, appointment: Appointment, changes: Mapping[str, Any], now: datetime | None = None
) -> Appointment:
    """Reschedule (`start_utc`, `staff`) through the same gate as booking, or edit notes: the
    customer their `customer_notes`, the staff member their `staff_notes`, an ADMIN both (403
    otherwise). A reschedule raises the iCalendar sequence, tells the other party, and puts a
    service that requires confirmation back to `requested` when the customer moved it. 409
    `not_active` once cancelled or closed."""
    check_changes(changes, UPDATABLE_FIELDS)
    now = now or timezone.now()
    side = party(actor, appointment)
    appointment = _fresh(appointment, lock=True)
    if "customer_notes" in changes and side == STAFF:
        raise PermissionDenied("Only the customer writes the customer's notes.")
    if "staff_notes" in changes and side == CUSTOMER:
        raise PermissionDenied("Only the staff member writes the staff notes.")
    audited: dict[str, Any] = {}
    start = changes.get("start_utc", appointment.start_utc)
    staff = changes.get("staff") or appointment.staff
    if start != appointment.start_utc or staff.pk != appointment.staff_id:
        moved = _reschedule(appointment, actor=actor, side=side, start=start, staff=staff, now=now)
        audit_change(
            actor=actor,
            owner=appointment.customer,
            action=Action.APPOINTMENT_RESCHEDULE,
            target=appointment,
            changes={"customer": appointment.customer.email, **moved},
            now=now,
        )
    notes = {name: changes[name] for name in ("customer_notes", "staff_notes") if name in changes}
    notes = {name: value for name, value in notes.items() if value != getattr(appointment, name)}
    if notes:
        Appointment.objects.filter(pk=appointment.pk).update(updated_at=now, **notes)
        for name, value in notes.items():
            audited[name] = [getattr(appointment, name), value]
            setattr(appointment, name, value)
        if side == ADMIN:
            audit_record(
                actor=actor,
                action=Action.APPOINTMENT_UPDATE,
                target=appointment,
                changes={"customer": appointment.customer.email, **audited},
                now=now,
            )
    appointment.updated_at = now
    return appointment


def _transition(
    appointment: Appointment, *, expected: Sequence[str], to: str, now: datetime, **values: Any
) -> Appointment:
    """A conditional update from one of `expected` to `to`; 409 `not_active`/`wrong_status` naming
    the current status when someone else changed it first."""
    updated = Appointment.objects.filter(pk=appointment.pk, status__in=expected).update(
        status=to, updated_at=now, **values
    )
    current = _fresh(appointment)
    if not updated:
        if current.status in ACTIVE_STATUSES:
            raise Conflict(
                f"The appointment is {current.status}; this needs it {' or '.join(expected)}.",
                code="wrong_status",
                extra={"status": current.status},
            )
        raise _not_active(current)
    return current


def _cancel_row(appointment: Appointment, *, actor: User | None, reason: str, now: datetime) -> Appointment:
    """Cancel an active appointment's row (who, when, why) and raise its iCalendar sequence."""
    return _transition(
        appointment,
        expected=ACTIVE_STATUSES,
        to=AppointmentStatus.CANCELLED,
        now=now,
        cancelled_by=actor,
        cancel_reason=reason,
        cancelled_at=now,
        ics_sequence=F("ics_sequence") + 1,
    )


def _check_staff_side(side: str, what: str) -> None:
    if side == CUSTOMER:
        raise PermissionDenied(f"Only the staff member or an ADMIN can {what}.")


def _audit_admin(actor: User, appointment: Appointment, side: str, status: list[str], now: datetime) -> None:
    if side == ADMIN:
        audit_record(
            actor=actor,
            action=Action.APPOINTMENT_STATUS_CHANGE,
            target=appointment,
            changes={"customer": appointment.customer.email, "status": status},
            now=now,
        )


@transaction.atomic
def appointment_confirm(*, actor: User, appointment: Appointment, now: datetime | None = None) -> Appointment:
    """The staff member (or an ADMIN) confirms a requested appointment; the customer is told."""
    now = now or timezone.now()
    side = party(actor, appointment)
    _check_staff_side(side, "confirm an appointment")
    appointment = _transition(
        appointment, expected=[AppointmentStatus.REQUESTED], to=AppointmentStatus.CONFIRMED, now=now
    )
    notify.notify_confirmed(appointment, now=now)
    _audit_admin(actor, appointment, side, ["requested", "confirmed"], now)
    return appointment


@transaction.atomic
def appointment_cancel(
    *, actor: User, appointment: Appointment, reason: str = "", now: datetime | None = None
) -> Appointment:
    """Cancel an active appointment: the customer until it starts, the staff member or an ADMIN
    at any time. The row stays (status `cancelled`, who, when, why); the iCalendar sequence rises
    and the other party gets a METHOD:CANCEL. Audited when someone other than the customer cancels."""
    now = now or timezone.now()
    side = party(actor, appointment)
    appointment = _fresh(appointment)
    if side == CUSTOMER and appointment.is_active and appointment.start_utc <= now:
        raise Conflict("The appointment has started; the staff member can cancel it.", code="already_started")
    was = appointment.status
    appointment = _cancel_row(appointment, actor=actor, reason=reason, now=now)
    for other in (appointment.customer, appointment.staff):
        if other.pk != actor.pk:
            notify.notify_cancelled(appointment, to=other, by=actor, now=now)
    audit_change(
        actor=actor,
        owner=appointment.customer,
        action=Action.APPOINTMENT_CANCEL,
        target=appointment,
        changes={"customer": appointment.customer.email, "status": [was, "cancelled"], "reason": reason},
        now=now,
    )
    return appointment


def _close(actor: User, appointment: Appointment, to: str, now: datetime | None) -> Appointment:
    now = now or timezone.now()
    side = party(actor, appointment)
    _check_staff_side(side, "close an appointment")
    if appointment.start_utc > now:
        raise Conflict("The appointment has not started yet.", code="not_started")
    appointment = _transition(appointment, expected=[AppointmentStatus.CONFIRMED], to=to, now=now)
    _audit_admin(actor, appointment, side, ["confirmed", to], now)
    return appointment


@transaction.atomic
def appointment_complete(*, actor: User, appointment: Appointment, now: datetime | None = None) -> Appointment:
    """The staff member (or an ADMIN) records a confirmed appointment as held, once it has started."""
    return _close(actor, appointment, AppointmentStatus.COMPLETED, now)


@transaction.atomic
def appointment_mark_no_show(*, actor: User, appointment: Appointment, now: datetime | None = None) -> Appointment:
    """The staff member (or an ADMIN) records that the customer did not come, once it has started."""
    return _close(actor, appointment, AppointmentStatus.NO_SHOW, now)


# --- Moving appointments away from someone who will be away ---------------------------------


def appointment_reassign_or_cancel(
    *,
    appointment: Appointment,
    actor: User | None,
    reason: str,
    context: dict[str, Any],
    now: datetime | None = None,
) -> tuple[str, User | None]:
    """Give an active appointment to another staff member offering its service who is free then
    (through the booking gate: the same availability function and locks), or cancel it when
    nobody is. The customer hears which; the staff member it was taken from gets a cancellation
    for their calendar. One audit row (`context` says why, e.g. the leave request). Returns
    ("reassigned", new staff member) or ("cancelled", None). Runs in the caller's transaction."""
    now = now or timezone.now()
    appointment = _fresh(appointment, lock=True)
    if not appointment.is_active:
        return "unchanged", None
    old_staff = appointment.staff
    others = [m for m in offering_staff(appointment.service) if m.pk not in (old_staff.pk, appointment.customer_id)]
    chosen = None
    if others:
        try:
            start, service = appointment.start_utc, appointment.service
            chosen = _place(service=service, start=start, candidates=others, now=now, exclude=appointment)
        except Conflict:
            chosen = None
    if chosen is not None:
        with slot_conflicts(appointment.start_utc, chosen):
            Appointment.objects.filter(pk=appointment.pk).update(
                staff=chosen, ics_sequence=F("ics_sequence") + 1, updated_at=now
            )
        appointment.staff, appointment.ics_sequence = chosen, appointment.ics_sequence + 1
        notify.notify_rescheduled(appointment, to=appointment.customer, by=actor, now=now)
        notify.notify_rescheduled(appointment, to=chosen, by=actor, now=now)
        notify.notify_reassigned(appointment, old_staff=old_staff, by=actor, now=now)
        audit_record(
            actor=actor,
            action=Action.APPOINTMENT_RESCHEDULE,
            target=appointment,
            changes={"customer": appointment.customer.email, "staff": [old_staff.email, chosen.email], **context},
            now=now,
        )
        return "reassigned", chosen
    was = appointment.status
    appointment = _cancel_row(appointment, actor=actor, reason=reason, now=now)
    for other in (appointment.customer, appointment.staff):
        notify.notify_cancelled(appointment, to=other, by=actor, now=now)
    audit_record(
        actor=actor,
        action=Action.APPOINTMENT_CANCEL,
        target=appointment,
        changes={"customer": appointment.customer.email, "status": [was, "cancelled"], "reason": reason, **context},
        now=now,
    )
    return "cancelled", None
