"""What every write to a session or one of its laps goes through, whichever endpoint it came from
(sessions, or a lap edited as a time entry): the session write guard hook, and keeping the
session's status and span in step with its laps."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Max, Min, Q

from accounts.models import User
from tracking.hooks import session_write_facts, session_write_guard
from tracking.models import Session, SessionStatus
from tracking.selectors import session_all_lap_rows
from tracking.services.rules import lock_user


def lock_session(session: Session, user: User | None = None, *, owner: User | None = None) -> Session:
    """Lock `user`'s row (default: the owner's), then the session's, in the house lock order, and
    return the session reloaded with its owner and the session write facts (the values the write
    guards need, `tracking.hooks.session_write_facts`) read in the same query.

    `owner` is the owner's User when the caller holds it (an actor driving their own session):
    then only the session's own columns are read, and the owner is that object. Otherwise the
    owner is read with the session (and so its row locked with it, as it always was)."""
    facts = {}
    for found in session_write_facts.call():
        facts.update(found)
    if owner is not None and owner.pk == session.owner_id and (user is None or user.pk == owner.pk):
        lock_user(owner)
        locked = Session.objects.select_for_update(of=("self",)).annotate(**facts).get(pk=session.pk)
        locked.owner = owner
        return locked
    lock_user(user or session.owner)
    sessions = Session.objects.select_for_update(of=("self", "owner")).select_related("owner")
    return sessions.annotate(**facts).get(pk=session.pk)


def run_session_write_guards(session: Session) -> None:
    """Ask every function registered into `tracking.hooks.session_write_guard`; one raises to
    refuse the write."""
    session_write_guard.call(session)


def keep_lap_rows(session: Session) -> None:
    """Have session_sync read `session`'s laps as the output's rows instead of aggregating them,
    and keep them in `session.lap_rows`: for a command that answers with the session (the same one
    query, and none after it)."""
    session.keeps_lap_rows = True


def session_sync(session: Session, *, now: datetime) -> Session:
    """Bring status and span in line with the laps after they changed: a running session without
    an open lap of its owner is paused (participants' running laps do not keep it running: the
    status is the owner's clock); `started_at` is the first lap's start; a stopped session ends
    where its last lap ends (or when it was stopped, without laps). The caller holds the lock.
    See keep_lap_rows."""
    if getattr(session, "keeps_lap_rows", False):
        session.lap_rows = rows = session_all_lap_rows(session=session)
        ends = [row[3] for row in rows if row[3] is not None]
        laps = {
            "first": min((row[2] for row in rows), default=None),
            "last": max(ends, default=None),
            "open": any(row[3] is None and row[-1] == session.owner_id for row in rows),
        }
    else:
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
