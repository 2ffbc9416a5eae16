"""Laps: a session's time entries. Opening, closing, replacing and logging them all go through the
write gate; this module only says which rows a session command puts or removes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Unpack
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import audit_change
from config.errors import PermissionDenied, ValidationFailed
from tracking.models import Session, SessionParticipant, TimeEntry
from tracking.selectors import session_running_laps
from tracking.services.gate import Booking, EntryDraft, ProjectRef, booked, entries_write
from tracking.services.session_state import lock_session, run_session_write_guards


@dataclass(frozen=True)
class LapSpec:
    """One lap of a full replacement (`session_update(changes={"laps": ...})`). With `id`, the
    owner's lap of that id is updated in place (lap images keep pointing at it); without, a lap is
    created."""

    start: datetime
    end: datetime
    id: UUID | None = None
    activity: str = ""
    notes: str = ""
    project_id: UUID | None = None
    project_code: str | None = None
    task_id: UUID | None = None
    billable: bool | None = None


def lap_open(session: Session, *, user: User, now: datetime) -> None:
    """Open a lap of `user` at `now`: their running timer (a 409 if another one runs)."""
    entries_write(put=[EntryDraft(user=user, start=now, end=None, session=session)], now=now, sync=[session])


def laps_close(session: Session, *, now: datetime, user: User | None = None, then_open: bool = False) -> int:
    """Close the session's running laps at `now` (only `user`'s, when given); a lap that would end
    where it starts is dropped. With `then_open`, `user`'s next lap opens at `now` in the same
    write. The session row is locked, and every lap writer locks it before touching a lap, so
    another participant's lap can be closed here without their user row. Returns how many laps
    were running."""
    laps = session_running_laps(session=session, user=user)
    # The lap users in hand (the session's owner is loaded with the locked session); any other
    # participant's user in one more query, only when one of theirs is running.
    users = {u.pk: u for u in (session.owner, user) if u is not None}
    missing = {lap.user_id for lap in laps} - users.keys()
    if missing:
        users.update(User.objects.in_bulk(missing))
    put, remove = [], []
    for lap in laps:
        lap.user = users[lap.user_id]
        if now <= lap.start:
            remove.append(lap)
        else:
            put.append(EntryDraft(user=lap.user, start=lap.start, end=now, entry=lap, session=session, closing=True))
    closed = len(put) + len(remove)
    if then_open:
        put.append(EntryDraft(user=user, start=now, end=None, session=session))
    entries_write(put=put, remove=remove, now=now, sync=[session])
    return closed


def laps_replace(session: Session, specs: Sequence[LapSpec], *, now: datetime) -> None:
    """Replace the owner's laps with exactly `specs`, in one gate call: kept laps (by id) are
    updated in place, the others deleted, new ones inserted; other participants' laps stay."""
    owner = session.owner
    existing = {lap.uuid: lap for lap in session.laps.filter(user=owner).select_related("project", "task")}
    seen: set[UUID] = set()
    put = []
    for index, spec in enumerate(specs):
        current = None
        if spec.id is not None:
            current = existing.get(spec.id)
            if current is None or spec.id in seen:
                message = "Not a lap of this session, or listed twice."
                raise ValidationFailed(
                    f"laps[{index}].id: {message}", fields={"laps": [{}] * index + [{"id": [message]}]}
                )
            seen.add(spec.id)
        put.append(
            EntryDraft(
                user=owner,
                start=spec.start,
                end=spec.end,
                entry=current,
                ref=ProjectRef(project_id=spec.project_id, project_code=spec.project_code, task_id=spec.task_id),
                session=session,
                activity=spec.activity,
                notes=spec.notes,
                billable=spec.billable,
                running_allowed=False,
            )
        )
    remove = [lap for uid, lap in existing.items() if uid not in seen]
    entries_write(put=put, remove=remove, now=now, nested="laps", sync=[session])


def is_participant(user: User, session: Session) -> bool:
    return SessionParticipant.objects.filter(session=session, user=user, left_at__isnull=True).exists()


def _log_author(actor: User, session: Session) -> User:
    if actor.pk == session.owner_id or is_participant(actor, session):
        return actor
    if actor.is_admin_role:
        return session.owner
    raise PermissionDenied("Only the owner, a participant or an ADMIN can log time in this session.")


@transaction.atomic
def session_log_add(
    *,
    actor: User,
    session: Session,
    start: datetime,
    end: datetime | None = None,
    duration: int | None = None,
    now: datetime | None = None,
    **booking: Unpack[Booking],
) -> TimeEntry:
    """Add a finished lap (LockIN's time log): `start` plus `end`, or plus `duration` in seconds.
    A participant logs their own time; the owner's or an ADMIN's log is the owner's time (an
    ADMIN's is audited). Allowed in every state; a stopped session's end moves with it."""
    now = now or timezone.now()
    if (end is None) == (duration is None):
        raise ValidationFailed(
            "Give exactly one of end_utc and duration.",
            fields={"end_utc": ["Give exactly one of end_utc and duration."]},
        )
    if end is None:
        end = start + timedelta(seconds=duration)
    lap_user = _log_author(actor, session)
    session = lock_session(session, lap_user)
    run_session_write_guards(session)
    draft = booked(user=lap_user, start=start, end=end, session=session, **booking)
    entry = entries_write(put=[draft], now=now, sync=[session]).entries[0]
    audit_change(
        actor=actor,
        owner=lap_user,
        action=Action.SESSION_LOG_ADD,
        target=session,
        changes={"user": lap_user.email, "start": start.isoformat(), "end": end.isoformat()},
    )
    return entry
