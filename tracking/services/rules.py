"""The rules the write gate (gate.py) runs, one function and one message each: the lock, the
interval, archived projects, running timers and overlaps, and turning constraint errors into 409s.

Lock order, everywhere: the entry owner's user row first, then a session row, then entries. The
user row lock serializes all writes to one person's time, so a check-then-insert cannot race
(on SQLite the IMMEDIATE transaction mode serializes writers anyway)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, connection
from django.db.models import Q

from accounts.models import User
from config.errors import Conflict, PermissionDenied, ValidationFailed
from tracking.models import Project, Task, TimeEntry

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
RUNNING_CONSTRAINT = "tracking_one_running_entry_per_user"
OVERLAP_CONSTRAINT = "tracking_entry_no_overlap"

Interval = tuple[datetime, datetime | None]
# Reads the user's id: the session lock also uses it as a sub-select (session_state).
READ_USER_SQL = "SELECT id FROM accounts_user WHERE id = %s"
LOCK_USER_SQL = READ_USER_SQL + " FOR UPDATE"


def placeholders(values: Sequence) -> str:
    """`%s, %s, ...`, one per value: the parameters of an IN (...) in a written-out statement."""
    return ", ".join(["%s"] * len(values))


def lock_user(user: User) -> None:
    """Hold `user`'s row until the transaction ends (on SQLite, where the IMMEDIATE transaction
    already holds the database's write lock, the row is only read). Written out: it runs on every
    write, and building it through the ORM cost more than the lock itself."""
    with connection.cursor() as cursor:
        cursor.execute(LOCK_USER_SQL if connection.features.has_select_for_update else READ_USER_SQL, [user.pk])


def check_can_write(actor: User, owner: User, what: str = "entry") -> None:
    """Only the owner or an ADMIN writes someone's time. Callers have already made sure the actor
    can see the object (a hidden object is a 404 before this)."""
    if actor.pk != owner.pk and not actor.is_admin_role:
        raise PermissionDenied(f"Only the owner of this {what} or an ADMIN can change it.")


def check_interval(*, start: datetime, end: datetime | None, now: datetime, running_allowed: bool = True) -> None:
    """End after start, no longer than TIME_ENTRY_MAX_HOURS, nothing beyond the allowed clock
    skew in the future. A running entry (no end) counts its length up to `now`."""
    skew = timedelta(seconds=settings.TIME_ENTRY_FUTURE_SKEW_SECONDS)
    longest = timedelta(hours=settings.TIME_ENTRY_MAX_HOURS)
    if start < EARLIEST:
        invalid("start_utc", "Must be after 1970-01-01.")
    if start > now + skew:
        invalid("start_utc", "Cannot be in the future.")
    if end is None:
        if not running_allowed:
            invalid("end_utc", "This field is required.")
        if now - start > longest:
            invalid(
                "start_utc", f"A running entry cannot have started more than {settings.TIME_ENTRY_MAX_HOURS} h ago."
            )
        return
    if end <= start:
        invalid("end_utc", "Must be after start_utc.")
    if end > now + skew:
        invalid("end_utc", "Cannot be in the future.")
    if end - start > longest:
        invalid("end_utc", f"An entry may last at most {settings.TIME_ENTRY_MAX_HOURS} h.")


def invalid(field: str, message: str) -> None:
    """A 400 naming `field`, in the one shape every time rule uses."""
    raise ValidationFailed(f"{field}: {message}", fields={field: [message]})


def exclusive_flag() -> bool:
    """Whether a row written now takes part in the no-overlap rule."""
    return not settings.TIME_ENTRY_ALLOW_OVERLAP


def find_running(*, users: Iterable[int], exclude: Iterable[int] = ()) -> TimeEntry | None:
    """The running entry of any of `users` (by pk), if there is one: the one running-timer query.
    Whether there is one is asked by a written-out statement (on the partial unique index of
    running entries); the entry, with its session for the message, is loaded only when it exists
    (a timer or session start usually finds none)."""
    users, exclude = list(users), list(exclude)
    if not users:
        return None
    excluded = f" AND id NOT IN ({placeholders(exclude)})" if exclude else ""
    with connection.cursor() as cursor:
        cursor.execute(ANY_RUNNING_SQL.format(users=placeholders(users), exclude=excluded), users + exclude)
        if cursor.fetchone() is None:
            return None
    return (
        TimeEntry.objects.filter(user__in=users, end__isnull=True)
        .exclude(pk__in=exclude)
        .select_related("session")
        .first()
    )


ANY_RUNNING_SQL = 'SELECT 1 FROM tracking_timeentry WHERE user_id IN ({users}) AND "end" IS NULL{exclude} LIMIT 1'


def find_overlap(*, intervals: Sequence[tuple[int, datetime, datetime | None]], exclude: Iterable[int] = ()):
    """The first stored exclusive entry that overlaps one of `intervals` ((user pk, start, end or
    None for open), half-open), with the index of that interval; None when nothing overlaps. The
    one overlap query, whatever the number of intervals (it uses the (user, start) index)."""
    if not intervals:
        return None
    exclude = list(exclude)
    if len(intervals) == 1 and not _overlaps_one(*intervals[0], exclude=exclude):
        return None
    ends = [end for _, _, end in intervals]
    stored = TimeEntry.objects.filter(user__in={user for user, _, _ in intervals}, exclusive=True).filter(
        Q(end__isnull=True) | Q(end__gt=min(start for _, start, _ in intervals))
    )
    if None not in ends:
        stored = stored.filter(start__lt=max(ends))
    for other in stored.exclude(pk__in=exclude).select_related("session").order_by("start", "pk"):
        for index, (user, start, end) in enumerate(intervals):
            if (
                user == other.user_id
                and (other.end is None or start < other.end)
                and (end is None or other.start < end)
            ):
                return other, index
    return None


# The last exclusive entry of a user that starts before an interval ends, kept if it runs past the
# interval's start. Exclusive entries of one user never overlap each other (the exclusion
# constraint on PostgreSQL; the gate's serialized writes on SQLite), so sorted by start they are
# sorted by end as well: if any of them overlaps the interval, that last one does. One step
# backwards on the (user, start) index instead of a scan of every earlier entry of the user.
OVERLAPPING_ONE_SQL = """
SELECT latest.id FROM (
    SELECT id, "end" FROM tracking_timeentry
    WHERE user_id = %s AND exclusive AND start < %s{exclude}
    ORDER BY start DESC, id DESC LIMIT 1
) latest
WHERE latest."end" IS NULL OR latest."end" > %s
"""
# The same for an open interval (a timer): the user's last exclusive entry, whatever its start.
OVERLAPPING_OPEN_SQL = """
SELECT latest.id FROM (
    SELECT id, "end" FROM tracking_timeentry
    WHERE user_id = %s AND exclusive{exclude}
    ORDER BY start DESC, id DESC LIMIT 1
) latest
WHERE latest."end" IS NULL OR latest."end" > %s
"""


def _overlaps_one(user: int, start: datetime, end: datetime | None, *, exclude: list[int]) -> bool:
    """Whether a single interval overlaps a stored entry, in one written-out statement: the write
    gate's common case (one entry, one timer, one lap) usually finds none. When it does,
    find_overlap's general query names the first entry overlapped, as for a batch."""
    adapt = connection.ops.adapt_datetimefield_value
    excluded = f" AND id NOT IN ({placeholders(exclude)})" if exclude else ""
    if end is None:
        sql, params = OVERLAPPING_OPEN_SQL.format(exclude=excluded), [user, *exclude, adapt(start)]
    else:
        sql, params = OVERLAPPING_ONE_SQL.format(exclude=excluded), [user, adapt(end), *exclude, adapt(start)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def overlap_conflict(other: TimeEntry | None, *, start: datetime | None = None) -> Conflict:
    """The overlap rule's one message: the stored entry overlapped, or (`other` None) two entries of
    the same write overlap each other at `start`."""
    if other is None:
        return Conflict(
            f"Two of the entries written overlap each other at {start:%Y-%m-%dT%H:%M:%SZ}.",
            code="overlap",
            fields={"start_utc": ["Overlaps another entry of the same write."]},
        )
    until = f"{other.end:%Y-%m-%dT%H:%M:%SZ}" if other.end else "now (running)"
    return Conflict(
        f"Overlaps entry {other.uuid} ({other.start:%Y-%m-%dT%H:%M:%SZ} to {until}).",
        code="overlap",
        fields={"start_utc": [f"Overlaps entry {other.uuid}."]},
        extra={"conflicting_entry": str(other.uuid)},
    )


def running_conflict(running: TimeEntry) -> Conflict:
    where = f" (a lap of session {running.session.uuid})" if running.session_id else ""
    return Conflict(
        f"A timer is already running: entry {running.uuid}{where}. Stop it first.",
        code="timer_running",
        extra={"running_entry": str(running.uuid)},
    )


@contextmanager
def constraint_conflicts(*, intervals: Sequence[Interval] = ()) -> Iterator:
    """A constraint the database enforces becomes a 409. Only a race past the service's own
    checks (or a write that skipped them) ends up here: the caller holds the owner's row lock and
    has checked under it, so the conflicting entry was already named by those checks whenever
    there was one to name.

    No savepoint (it would cost two round trips on every write, for a case the lock rules out):
    which rule broke is read from the error, and the caller's transaction rolls back with the
    409. Two racing timers break both the one-running-timer index and the exclusion constraint;
    when this write opens a timer, either is reported as the running timer."""
    try:
        yield
    except IntegrityError as exc:
        text = str(exc)
        opens_timer = any(end is None for _, end in intervals)
        if (
            RUNNING_CONSTRAINT in text
            or "tracking_timeentry.user_id" in text
            or (opens_timer and OVERLAP_CONSTRAINT in text)
        ):
            raise Conflict("A timer is already running. Stop it first.", code="timer_running") from exc
        if OVERLAP_CONSTRAINT in text:
            raise Conflict("The entry overlaps another entry.", code="overlap") from exc
        raise Conflict("The change conflicts with the current data.", code="conflict") from exc


def check_usable(*, project: Project | None, task: Task | None) -> None:
    """Archived projects and tasks take no new entries: a 409 (the request is fine, the
    project's state refuses it)."""
    if project is not None and project.archived:
        raise Conflict(
            f"Project {project.code} is archived and takes no new entries.",
            code="project_archived",
            fields={"project": ["Archived."]},
        )
    if task is not None and task.archived:
        raise Conflict(
            f"Task {task.name!r} is archived and takes no new entries.",
            code="task_archived",
            fields={"task": ["Archived."]},
        )
