"""What every write to a session or one of its laps goes through, whichever endpoint it came from
(sessions, or a lap edited as a time entry): the session write guard hook, and keeping the
session's status and span in step with its laps."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Max, Min, Q

from accounts.models import User
from tracking.hooks import session_write_guard
from tracking.models import Session, SessionStatus
from tracking.services.rules import lock_user


def lock_session(session: Session, user: User | None = None, *, owner: User | None = None) -> Session:
    """Lock `user`'s row (default: the owner's), then the session's, in the house lock order, and
    return the session reloaded with its owner.

    `owner` is the owner's User when the caller holds it (an actor driving their own session):
    then only the session's own columns are read, and the owner is that object. Otherwise the
    owner is read with the session (and so its row locked with it, as it always was)."""
    if owner is not None and owner.pk == session.owner_id and (user is None or user.pk == owner.pk):
        lock_user(owner)
        locked = Session.objects.select_for_update().get(pk=session.pk)
        locked.owner = owner
        return locked
    lock_user(user or session.owner)
    return Session.objects.select_for_update().select_related("owner").get(pk=session.pk)


def run_session_write_guards(session: Session) -> None:
    """Ask every function registered into `tracking.hooks.session_write_guard`; one raises to
    refuse the write."""
    session_write_guard.call(session)


def session_sync(session: Session, *, now: datetime) -> Session:
    """Bring status and span in line with the laps after they changed: a running session without
    an open lap of its owner is paused (participants' running laps do not keep it running: the
    status is the owner's clock); `started_at` is the first lap's start; a stopped session ends
    where its last lap ends (or when it was stopped, without laps). The caller holds the lock."""
    laps = session.laps.aggregate(
        first=Min("start"),
        last=Max("end"),
        open=Count("pk", filter=Q(end__isnull=True, user_id=session.owner_id)),
    )
    if session.status == SessionStatus.RUNNING and not laps["open"]:
        session.status = SessionStatus.PAUSED
    if laps["first"] is not None:
        session.started_at = laps["first"]
    if session.status == SessionStatus.STOPPED:
        session.ended_at = laps["last"] or session.ended_at or now
        if session.started_at and session.ended_at < session.started_at:
            session.ended_at = session.started_at
    session.save(update_fields=["status", "started_at", "ended_at", "updated_at"])
    return session
