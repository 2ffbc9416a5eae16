"""Sessions: their life cycle. Laps are in laps.py, participants in participants.py; every lap is
written through the gate (gate.py).

A lap is a TimeEntry with `session` set. The status is the owner's clock: the owner's running lap
is their one running timer. Transitions:

    planned --start--> running --pause--> paused --resume--> running
    running --lap--> running (closes the owner's open lap, opens the next)
    planned | running | paused --stop--> stopped (closes every open lap, participants' too)

Every write runs the session write guard hook (`tracking.hooks.session_write_guard`) and locks the
lap owner's user row, then the session row (then entries). An ADMIN driving or changing someone
else's session is audited.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import audit_change
from config.changes import check_changes
from config.errors import Conflict
from tracking.models import Session, SessionParticipant, SessionStatus
from tracking.services.laps import LapSpec, lap_open, laps_close, laps_replace
from tracking.services.rules import check_can_write, lock_user
from tracking.services.session_state import keep_lap_rows, lock_session, run_session_write_guards, session_sync


@transaction.atomic
def session_create(
    *,
    actor: User,
    title: str = "",
    notes: str = "",
    laps: Sequence[LapSpec] = (),
    now: datetime | None = None,
) -> Session:
    """Create a session owned by `actor`, who joins it as its first participant. With laps it is
    a record of finished work and is created stopped; without, it is planned."""
    now = now or timezone.now()
    lock_user(actor)
    session = Session.objects.create(owner=actor, title=title, notes=notes, created_at=now)
    SessionParticipant.objects.create(session=session, user=actor, joined_at=now)
    run_session_write_guards(session)
    if laps:
        session.status = SessionStatus.STOPPED
        laps_replace(session, laps, now=now)
    return session


UPDATABLE = ("title", "notes", "laps")


@transaction.atomic
def session_update(
    *, actor: User, session: Session, changes: Mapping[str, Any], now: datetime | None = None
) -> Session:
    """Apply a partial update (keys from UPDATABLE): title and notes and, with `laps` (LapSpecs),
    replace the owner's laps with exactly that set, atomically (other participants' laps are left
    alone). A running session's laps cannot be replaced (pause it first); a planned session that
    receives laps becomes a stopped record."""
    check_changes(changes, UPDATABLE)
    now = now or timezone.now()
    session = lock_session(session)
    check_can_write(actor, session.owner, "session")
    run_session_write_guards(session)
    changed = {}
    for name in ("title", "notes"):
        if name in changes and changes[name] != getattr(session, name):
            changed[name] = [getattr(session, name), changes[name]]
            setattr(session, name, changes[name])
    session.save(update_fields=["title", "notes", "updated_at"])
    if "laps" in changes:
        laps = changes["laps"]
        if session.status == SessionStatus.RUNNING:
            raise Conflict(
                "The session is running; pause or stop it before replacing its laps.",
                code="invalid_transition",
                extra={"status": session.status},
            )
        if session.status == SessionStatus.PLANNED and laps:
            session.status = SessionStatus.STOPPED
        laps_replace(session, laps, now=now)
        changed["laps"] = len(laps)
    if changed:
        audit_change(actor=actor, owner=session.owner, action=Action.SESSION_UPDATE, target=session, changes=changed)
    return session


def _open_lap(session: Session, now: datetime) -> None:
    lap_open(session, user=session.owner, now=now)


def _close_owner_lap(session: Session, now: datetime) -> None:
    laps_close(session, now=now, user=session.owner)


def _next_lap(session: Session, now: datetime) -> None:
    laps_close(session, now=now, user=session.owner, then_open=True)


def _end(session: Session, now: datetime) -> None:
    session.ended_at = now
    laps_close(session, now=now)


@dataclass(frozen=True)
class Transition:
    allowed_from: frozenset[SessionStatus]
    to: SessionStatus
    laps: Callable[[Session, datetime], None]  # what the command does to the laps


PLANNED, RUNNING, PAUSED, STOPPED = (
    SessionStatus.PLANNED,
    SessionStatus.RUNNING,
    SessionStatus.PAUSED,
    SessionStatus.STOPPED,
)
TRANSITIONS = {
    "start": Transition(frozenset({PLANNED}), RUNNING, _open_lap),
    "pause": Transition(frozenset({RUNNING}), PAUSED, _close_owner_lap),
    "resume": Transition(frozenset({PAUSED}), RUNNING, _open_lap),
    "lap": Transition(frozenset({RUNNING}), RUNNING, _next_lap),
    "stop": Transition(frozenset({PLANNED, RUNNING, PAUSED}), STOPPED, _end),
}


def _transition(command: str, actor: User, session: Session, now: datetime | None) -> Session:
    """Run a command of TRANSITIONS under the session's lock (audited when `actor` is not the
    owner; the row records the status the command was given in)."""
    now = now or timezone.now()
    transition = TRANSITIONS[command]
    session = lock_session(session, owner=actor)
    check_can_write(actor, session.owner, "session")
    run_session_write_guards(session)
    keep_lap_rows(session)
    if session.status not in transition.allowed_from:
        raise Conflict(
            f"Cannot {command} this session: it is {session.status}.",
            code="invalid_transition",
            extra={"status": session.status},
        )
    audit_change(
        actor=actor,
        owner=session.owner,
        action=Action.SESSION_TRANSITION,
        target=session,
        changes={"command": command, "status": session.status},
    )
    session.status = transition.to
    transition.laps(session, now)
    return session


@transaction.atomic
def session_start(*, actor: User, session: Session, now: datetime | None = None) -> Session:
    """planned → running: opens the first lap (the owner's timer; 409 if one already runs)."""
    return _transition("start", actor, session, now)


@transaction.atomic
def session_pause(*, actor: User, session: Session, now: datetime | None = None) -> Session:
    """running → paused: closes the owner's open lap (participants keep their own clock)."""
    return _transition("pause", actor, session, now)


@transaction.atomic
def session_resume(*, actor: User, session: Session, now: datetime | None = None) -> Session:
    """paused → running: opens a new lap."""
    return _transition("resume", actor, session, now)


@transaction.atomic
def session_lap(*, actor: User, session: Session, now: datetime | None = None) -> Session:
    """running → running: closes the owner's open lap at `now` and opens the next one there."""
    return _transition("lap", actor, session, now)


@transaction.atomic
def session_stop(*, actor: User, session: Session, now: datetime | None = None) -> Session:
    """planned | running | paused → stopped: closes every open lap, participants' included."""
    return _transition("stop", actor, session, now)


@transaction.atomic
def session_delete(*, actor: User, session: Session) -> None:
    """Delete a session with its laps and participants (the owner's timer goes too if a lap was
    running). Audited when someone other than the owner deletes."""
    session = lock_session(session)
    check_can_write(actor, session.owner, "session")
    run_session_write_guards(session)
    audit_change(
        actor=actor,
        owner=session.owner,
        action=Action.SESSION_DELETE,
        target=session,
        changes={"owner": session.owner.email, "laps": session.laps.count()},
    )
    session.delete()


__all__ = [
    "LapSpec",
    "session_create",
    "session_delete",
    "session_lap",
    "session_pause",
    "session_resume",
    "session_start",
    "session_stop",
    "session_sync",
    "session_update",
]
