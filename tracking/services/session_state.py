"""What every write to a session or one of its laps goes through, whichever endpoint it came from
(sessions, or a lap edited as a time entry): the session write guard hook, and keeping the
session's status and span in step with its laps."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection
from django.db.models import Count, Max, Min, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import User
from tracking.hooks import session_write_facts, session_write_guard
from tracking.models import Session, SessionStatus
from tracking.selectors import SESSION_COLUMNS, session_all_lap_rows
from tracking.services.rules import LOCK_USER_SQL, lock_user


def lock_session(session: Session, user: User | None = None, *, owner: User | None = None) -> Session:
    """Lock `user`'s row (default: the owner's), then the session's, in the house lock order, and
    return the session reloaded with its owner and the session write facts (the values the write
    guards need, `tracking.hooks.session_write_facts`) read in the same query.

    `owner` is the owner's User when the caller holds it (an actor driving their own session):
    then only the session's own columns are read, and the owner is that object (on PostgreSQL its
    row is locked by the same statement). Otherwise the owner is read with the session (and so its
    row locked with it, as it always was)."""
    if owner is not None and owner.pk == session.owner_id and (user is None or user.pk == owner.pk):
        locked = _lock_own_session(session.pk, owner)
        locked.owner = owner
        return locked
    lock_user(user or session.owner)
    sessions = Session.objects.select_for_update(of=("self", "owner")).select_related("owner")
    return sessions.annotate(**_write_facts()).get(pk=session.pk)


def _write_facts() -> dict:
    facts = {}
    for found in session_write_facts.call():
        facts.update(found)
    return facts


# Stand for the session's and the owner's ids in the compiled statement of _lock_own_session.
ANY_SESSION = -(2**62) - 12345
ANY_OWNER = -(2**62) - 54321


@lru_cache(maxsize=4)
def _own_session_statement(functions: tuple) -> tuple[str, tuple, int, tuple[tuple[str, int], ...]]:
    """The query of _lock_own_session compiled once (per set of registered fact functions): its
    SQL, its parameters (the ids as ANY_SESSION and ANY_OWNER), how many of the row's first columns
    are the session's, and where each fact is.

    The owner's row is locked by a sub-select the session row must match: PostgreSQL runs it once,
    before any session row can reach the row lock at the top of the plan, so the owner's row is
    locked before the session's, in the house order."""
    compiler = (
        Session.objects.select_for_update(of=("self",))
        .annotate(**_write_facts())
        .filter(pk=ANY_SESSION, owner_id=RawSQL(LOCK_USER_SQL, (ANY_OWNER,)))  # noqa: S611 - a constant
        .query.get_compiler(DEFAULT_DB_ALIAS)
    )
    sql, params = compiler.as_sql()
    shaped = compiler.klass_info["select_fields"] == list(range(len(SESSION_COLUMNS)))
    if not shaped or {ANY_SESSION, ANY_OWNER} - set(params):
        raise RuntimeError("Unexpected shape of the session lock query.")  # pragma: no cover
    return sql, tuple(params), len(SESSION_COLUMNS), tuple(compiler.annotation_col_map.items())


def _lock_own_session(pk: int, owner: User) -> Session:
    """`lock_user(owner)`, then `Session.objects.select_for_update(of=("self",)).annotate(**facts)
    .get(pk=pk)`: on PostgreSQL both in the statement compiled once, as building and compiling the
    query cost more than running it, and the owner's lock was a round trip of its own
    (tests/test_hot_paths.py holds both ways to the same session and facts, and the locks)."""
    if connection.vendor != "postgresql":
        lock_user(owner)
        return Session.objects.select_for_update(of=("self",)).annotate(**_write_facts()).get(pk=pk)
    sql, params, width, facts = _own_session_statement(session_write_facts.functions)
    ids = {ANY_SESSION: pk, ANY_OWNER: owner.pk}
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids.get(value, value) for value in params])
        row = cursor.fetchone()
    if row is None:
        raise Session.DoesNotExist("Session matching query does not exist.")
    locked = Session.from_db(DEFAULT_DB_ALIAS, SESSION_COLUMNS, row[:width])
    for name, index in facts:
        setattr(locked, name, row[index])
    return locked


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
    # session.save(update_fields=[...]) written out: the ORM's update cost three times the statement.
    session.updated_at = timezone.now()  # as auto_now
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            SYNC_SQL,
            [
                str(session.status),
                adapt(session.started_at),
                adapt(session.ended_at),
                adapt(session.updated_at),
                session.pk,
            ],
        )
        if cursor.rowcount != 1:
            raise DatabaseError("Save with update_fields did not affect any rows.")
    return session


SYNC_SQL = "UPDATE tracking_session SET status = %s, started_at = %s, ended_at = %s, updated_at = %s WHERE id = %s"
