"""What every write to a session or one of its laps goes through, whichever endpoint it came from
(sessions, or a lap edited as a time entry): the registered write guards, and keeping the
session's status and span in step with its laps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db.models import Count, Max, Min, Q

from tracking.models import Session, SessionStatus

SessionWriteGuard = Callable[[Session], None]
_write_guards: list[SessionWriteGuard] = []


def register_session_write_guard(guard: SessionWriteGuard) -> None:
    """`guard(session)` runs before every write to a session, its laps or its participants, and
    raises a config.errors exception (e.g. Conflict for an archived group) to refuse it. Apps
    that build on tracking register theirs from AppConfig.ready()."""
    if guard not in _write_guards:
        _write_guards.append(guard)


def unregister_session_write_guard(guard: SessionWriteGuard) -> None:
    if guard in _write_guards:
        _write_guards.remove(guard)


def run_session_write_guards(session: Session) -> None:
    for guard in list(_write_guards):
        guard(session)


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
