"""Participants of a session: join, leave, and their own clock (clock-in, clock-out).

Participants (the groups app adds them) keep their own clock in the session: `clock-in` opens a
lap of the actor's own, `clock-out` closes it, each one their personal running timer. For the
owner, clock-in is start/resume and clock-out is pause. Locks: the actor's user row, then the
session row (`lock_session`)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import audit_change
from config.errors import Conflict, PermissionDenied, ValidationFailed
from tracking.models import Session, SessionParticipant, SessionStatus
from tracking.services.laps import is_participant, lap_open, laps_close
from tracking.services.session_state import keep_lap_rows, lock_session, run_session_write_guards


@transaction.atomic
def session_clock_in(*, actor: User, session: Session, now: datetime | None = None) -> Session:
    """Open a lap of `actor`'s own in the session: their running timer (409 `timer_running` if
    another one runs anywhere). Only the owner and current participants may; a stopped session
    takes no clock-in (409 `session_stopped`). The owner clocking in starts or resumes the
    session."""
    now = now or timezone.now()
    session = lock_session(session, actor, owner=actor)
    run_session_write_guards(session)
    keep_lap_rows(session)
    if actor.pk != session.owner_id and not is_participant(actor, session):
        raise PermissionDenied("Join the session before clocking in.")
    if session.status == SessionStatus.STOPPED:
        raise Conflict("The session is stopped; it takes no more clock-ins.", code="session_stopped")
    if actor.pk == session.owner_id:
        session.status = SessionStatus.RUNNING
    lap_open(session, user=actor, now=now)
    return session


@transaction.atomic
def session_clock_out(*, actor: User, session: Session, now: datetime | None = None) -> Session:
    """Close `actor`'s running lap in the session (409 `not_clocked_in` without one; a lap closed
    where it started is dropped). For the owner this pauses the session."""
    now = now or timezone.now()
    session = lock_session(session, actor, owner=actor)
    run_session_write_guards(session)
    keep_lap_rows(session)
    if not laps_close(session, now=now, user=actor):
        # Nothing was closed; the transaction rolls back the session's sync with the error.
        raise Conflict("You are not clocked in to this session.", code="not_clocked_in")
    return session


def _check_may_change(actor: User, session: Session, user: User, verb: str) -> None:
    if actor.pk not in (user.pk, session.owner_id) and not actor.is_admin_role:
        raise PermissionDenied(f"Only the user, the session's owner or an ADMIN can {verb} a participant.")


def _audit_participant(actor: User, session: Session, user: User, *, joined: bool) -> None:
    audit_change(
        actor=actor,
        owner=user,
        action=Action.SESSION_PARTICIPANT_CHANGE,
        target=session,
        changes={"user": user.email, "joined": joined},
    )


@transaction.atomic
def session_participant_join(
    *, actor: User, session: Session, user: User, now: datetime | None = None
) -> SessionParticipant:
    """Add `user` to the session (again, if they had left). The user themself, the owner or an
    ADMIN may do this (audited when it is not the user); the groups app calls it for its
    members."""
    now = now or timezone.now()
    session = lock_session(session)
    _check_may_change(actor, session, user, "add")
    run_session_write_guards(session)
    participant, created = SessionParticipant.objects.get_or_create(
        session=session, user=user, defaults={"joined_at": now}
    )
    if not created and participant.left_at is not None:
        participant.joined_at, participant.left_at = now, None
        participant.save(update_fields=["joined_at", "left_at"])
        created = True
    if created:
        _audit_participant(actor, session, user, joined=True)
    return participant


@transaction.atomic
def session_participant_leave(
    *, actor: User, session: Session, user: User, now: datetime | None = None
) -> SessionParticipant:
    """Mark `user` as having left and close their running lap in the session, if any; their laps
    stay. The owner cannot leave their own session. Audited when someone else removes `user`."""
    now = now or timezone.now()
    session = lock_session(session)
    _check_may_change(actor, session, user, "remove")
    if user.pk == session.owner_id:
        raise Conflict("The owner cannot leave their own session.", code="owner_cannot_leave")
    run_session_write_guards(session)
    participant = SessionParticipant.objects.filter(session=session, user=user).first()
    if participant is None:
        raise ValidationFailed("user: Not a participant of this session.", fields={"user": ["Not a participant."]})
    if participant.left_at is None:
        participant.left_at = max(now, participant.joined_at)
        participant.save(update_fields=["left_at"])
        laps_close(session, now=now, user=user)
        _audit_participant(actor, session, user, joined=False)
    return participant
