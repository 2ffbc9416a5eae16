"""The one gate every write of time entries goes through.

Entries, timers, laps, session logs, clock-in/out, forgotten timers and the admin all describe
what they want written as `EntryDraft`s (plus rows to remove) and call `entries_write`, which runs
the rules in one order, each with one message wherever it is broken:

1. project and task: looked up by public id or code, all drafts in one batch (400 when unknown,
   or when a task belongs to another project than the one named);
2. interval: end after start, at most TIME_ENTRY_MAX_HOURS, nothing in the future (400);
3. archived project or task: 409 for a new booking on one;
4. running timer: at most one per user (409 `timer_running`), one query for the batch;
5. overlap: no two exclusive entries of a user overlap (409 `overlap`), one query for the batch;
6. working time: `ComplianceGuard` around the write (warnings, or 422 when enforced);
7. the database's own constraints, turned into 409s when a race gets past 1-5 (rules.constraint_conflicts);
then the rows are inserted, updated and deleted in bulk and each session whose laps changed is
brought in step with them (`session_sync`), once. On PostgreSQL a single new row (a create, a
timer, a lap) carries 4 and 5 in its own INSERT, which writes nothing on a conflict; the queries of
4 and 5 then name it, with the same messages.

Only what changes is checked: an update that leaves the times alone skips 2, 4 and 5 (an old entry
stays editable after the limits were tightened), and keeping a project that was archived since is
allowed. A service closing a running entry at or before now (`closing=True`: a timer stop, a
session closing its laps) cannot create a conflict or a working-time violation (the running entry
already counted up to now), so that skips 2 to 6 unless the caller asks for warnings.

The caller holds the locks (see rules.py: the owner's user row, then the session row), or passes
the user whose row to lock (`lock`), which the gate takes first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, TypedDict
from uuid import UUID

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from config.errors import Conflict, ValidationFailed
from tracking.compliance import ComplianceGuard, Violation
from tracking.models import Project, Session, Task, TimeEntry
from tracking.services.rules import (
    ANY_RUNNING_SQL,
    OVERLAPPING_ONE_SQL,
    OVERLAPPING_OPEN_SQL,
    check_interval,
    check_usable,
    constraint_conflicts,
    exclusive_flag,
    find_overlap,
    find_running,
    invalid,
    lock_user,
    overlap_conflict,
    placeholders,
    running_conflict,
)
from tracking.services.session_state import session_sync


@dataclass(frozen=True)
class ProjectRef:
    """What an entry is booked on, as the client named it. `project` is the project to keep when
    none is named (an update that does not touch it); `keep_task` is kept when no task is named and
    it belongs to the resulting project. A task alone brings its project; a named project and a
    task must agree."""

    project_id: UUID | None = None
    project_code: str | None = None
    task_id: UUID | None = None
    project: Project | None = None
    keep_task: Task | None = None

    @property
    def names_project(self) -> bool:
        return self.project_id is not None or bool(self.project_code)


@dataclass(eq=False)
class EntryDraft:
    """One row as it should be after the write. With `entry`, that row is updated in place (its
    user and session stay); without, a row is inserted for `user`. Text fields and `billable` left
    as None keep the row's value (a new row: empty, and the project's billable flag)."""

    user: User
    start: datetime
    end: datetime | None
    entry: TimeEntry | None = None
    ref: ProjectRef | None = None
    session: Session | None = None
    activity: str | None = None
    notes: str | None = None
    billable: bool | None = None
    # Whether the end is required (laps and logs are finished work).
    running_allowed: bool = True
    # The service stops a running row at or before now (a timer stop, a session closing its laps):
    # only the end changes, which cannot create a conflict or a violation.
    closing: bool = False
    # Filled by the gate.
    project: Project | None = field(default=None, init=False)
    task: Task | None = field(default=None, init=False)

    # Set on creation, before the gate writes: whether the times change, and the row's old times.
    moved: bool = field(default=True, init=False)
    old_interval: tuple[datetime, datetime | None] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.entry is not None:
            self.old_interval = (self.entry.start, self.entry.end)
            self.moved = (self.start, self.end) != self.old_interval


class Booking(TypedDict, total=False):
    """What a new entry is booked on and says, as the services take it by keyword (the project by
    `project_id` or `project_code`, or a task alone)."""

    project_id: UUID | None
    project_code: str | None
    task_id: UUID | None
    activity: str
    notes: str
    billable: bool | None


def booked(
    *,
    user: User,
    start: datetime,
    end: datetime | None,
    project_id: UUID | None = None,
    project_code: str | None = None,
    task_id: UUID | None = None,
    **fields: Any,
) -> EntryDraft:
    """A draft of a new row for `user`, booked on the project or task a client named; `fields` are
    the rest of a Booking and EntryDraft's own (e.g. `session`)."""
    ref = ProjectRef(project_id=project_id, project_code=project_code, task_id=task_id)
    return EntryDraft(user=user, start=start, end=end, ref=ref, **fields)


@dataclass
class Written:
    entries: list[TimeEntry]
    warnings: list[Violation]


def entries_write(
    *,
    put: Sequence[EntryDraft] = (),
    remove: Sequence[TimeEntry] = (),
    now: datetime,
    sync: Iterable[Session] = (),
    warn_on_close: bool = False,
    nested: str | None = None,
    lock: User | None = None,
) -> Written:
    """Check and write a batch of entries (see the module docstring for the rules and their order).
    `sync` names sessions to bring in step even if none of their laps changed (a transition that
    changes the status). With `nested` (e.g. "laps"), a 400 about draft i is reported as
    `<nested>[i].<field>`. With `lock`, the gate takes that user's row lock itself, first (for a
    caller that holds no lock yet; on PostgreSQL in the statement that looks up the projects).
    Returns the written rows in the order of `put`, and the working-time warnings of the weeks the
    write touched."""
    _resolve_projects(put, nested, lock=lock)
    checked = [d for d in put if not d.closing]
    for index, draft in enumerate(put):
        if not draft.closing and draft.moved:
            _nested(nested, index, check_interval, start=draft.start, end=draft.end, now=now,
                    running_allowed=draft.running_allowed)  # fmt: skip
    for draft in checked:
        _check_usable(draft)
    keep = [d.entry.pk for d in put if d.entry is not None] + [e.pk for e in remove]
    moving = [d for d in checked if d.moved]
    exclusive = exclusive_flag()
    # A single new row on PostgreSQL is checked for a running timer and overlaps by its own
    # INSERT (round trips fewer on every create, timer start and new lap; _insert_one); everything
    # else here.
    single_new_row = len(put) == 1 and put[0].entry is None and not remove
    checked_in_insert = exclusive and single_new_row and connection.vendor == "postgresql"
    if not checked_in_insert:
        _refuse_running(moving, exclude=keep)
        if exclusive:
            _refuse_overlaps(moving, exclude=keep)

    # Removing time cannot create a violation, so removals are not guarded.
    by_user: dict[int, list] = defaultdict(list)
    for draft in put if warn_on_close else checked:
        by_user[draft.user.pk].append((draft.user, draft.old_interval, (draft.start, draft.end)))
    with ExitStack() as stack:
        guards = []
        for rows in by_user.values():
            intervals = [interval for _, old, new in rows for interval in (old, new) if interval is not None]
            if intervals:
                guards.append(stack.enter_context(ComplianceGuard(user=rows[0][0], intervals=intervals, now=now)))
        if moving:
            # Only rows that open or move can break a constraint; closes and removals cannot.
            stack.enter_context(constraint_conflicts(intervals=[(d.start, d.end) for d in moving]))
        written = _apply(put, remove, now=now, exclusive=exclusive, checked_in_insert=checked_in_insert)
    sessions = {s.pk: s for s in sync}
    for draft in put:
        if draft.session is not None and (draft.moved or draft.entry is None):
            sessions.setdefault(draft.session.pk, draft.session)
    for entry in remove:
        if entry.session_id is not None:
            sessions.setdefault(entry.session_id, entry.session)
    for session in sessions.values():
        session_sync(session, now=now)
    return Written(entries=written, warnings=[w for guard in guards for w in guard.warnings])


def _nested(nested: str | None, index: int, check, **kwargs) -> None:
    try:
        check(**kwargs)
    except ValidationFailed as exc:
        if nested is None:
            raise
        raise ValidationFailed(
            f"{nested}[{index}].{exc.message}",
            fields={nested: [{} for _ in range(index)] + [exc.fields]},
        ) from exc


def _resolve_projects(put: Sequence[EntryDraft], nested: str | None, *, lock: User | None = None) -> None:
    """Every named project and task in two queries at most (none when nothing is named), after
    `lock`'s row lock (see entries_write)."""
    refs = [d.ref for d in put if d.ref is not None]
    ids = {r.project_id for r in refs if r.project_id is not None}
    codes = {r.project_code.strip().upper() for r in refs if r.project_code}
    task_ids = {r.task_id for r in refs if r.task_id is not None}
    if ids or codes:
        by_id = {p.uuid: p for p in _projects_named(ids, codes, lock=lock)}
    else:
        by_id = {}
        if lock is not None:
            lock_user(lock)
    by_code = {p.code: p for p in by_id.values()}
    tasks = {t.uuid: t for t in Task.objects.filter(uuid__in=task_ids).select_related("project")} if task_ids else {}
    for index, draft in enumerate(put):
        if draft.ref is None:
            if draft.entry is not None:
                draft.project, draft.task = draft.entry.project, draft.entry.task
            continue
        draft.project, draft.task = _pick(draft.ref, by_id, by_code, tasks, nested, index)


def _projects_named(ids: set[UUID], codes: set[str], *, lock: User | None = None) -> list[Project]:
    """The projects with any of these public ids or codes. Every create names a project, and on
    PostgreSQL the lookup is written out and its rows become projects without the ORM, which cost
    more than running it. With `lock`, that user's row is locked first; on PostgreSQL by the same
    statement, one round trip for both. The columns are named, not `*`: a prepared statement's
    result must keep its shape when a later migration adds a column while this process still
    holds it."""
    if connection.vendor != "postgresql":  # SQLite's rows need the ORM's converters
        if lock is not None:
            lock_user(lock)
        return list(Project.objects.filter(Q(uuid__in=ids) | Q(code__in=codes)))
    conditions, params = [], []
    for column, values in (("uuid", list(ids)), ("code", sorted(codes))):
        if values:
            conditions.append(f"p.{column} IN ({placeholders(values)})")
            params.extend(values)
    if lock is None:
        sql = f"{_PROJECT_SELECT} WHERE {' OR '.join(conditions)}"
    else:
        # The user's row with every project named beside it (one row of NULLs when none is).
        sql = f"{_PROJECT_SELECT_LOCKING} ({' OR '.join(conditions)}) WHERE u.id = %s FOR UPDATE OF u"
        params.append(lock.pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [Project.from_db(connection.alias, _PROJECT_COLUMNS, row) for row in rows if row[0] is not None]


_PROJECT_COLUMNS = tuple(f.attname for f in Project._meta.concrete_fields)
_PROJECT_FIELDS = ", ".join(f'p."{f.column}"' for f in Project._meta.concrete_fields)
_PROJECT_SELECT = f"SELECT {_PROJECT_FIELDS} FROM tracking_project p"  # noqa: S608
_PROJECT_SELECT_LOCKING = f"SELECT {_PROJECT_FIELDS} FROM accounts_user u LEFT JOIN tracking_project p ON"  # noqa: S608


def _pick(ref: ProjectRef, by_id, by_code, tasks, nested, index) -> tuple[Project | None, Task | None]:
    result: list = []

    def pick() -> None:
        project = ref.project
        if ref.project_id is not None:
            project = by_id.get(ref.project_id)
            if project is None:
                invalid("project", "No project with this id.")
        if ref.project_code:
            code = ref.project_code.strip().upper()
            named = by_code.get(code)
            if named is None:
                invalid("project_code", f"No project with code {code}.")
            if project is not None and ref.project_id is not None and named.pk != project.pk:
                invalid("project_code", "Names a different project than `project`.")
            project = named
        task = None
        if ref.task_id is not None:
            task = tasks.get(ref.task_id)
            if task is None:
                invalid("task", "No task with this id.")
            if ref.names_project and task.project_id != project.pk:
                invalid("task", f"Belongs to project {task.project.code}, not {project.code}.")
            project = task.project
        elif ref.keep_task is not None and project is not None and ref.keep_task.project_id == project.pk:
            task = ref.keep_task
        result.extend((project, task))

    _nested(nested, index, pick)
    return result[0], result[1]


def _check_usable(draft: EntryDraft) -> None:
    """A new booking on an archived project or task is refused; keeping one is not."""
    if draft.entry is None:
        check_usable(project=draft.project, task=draft.task)
        return
    check_usable(
        project=draft.project if draft.project != draft.entry.project else None,
        task=draft.task if draft.task != draft.entry.task else None,
    )


def _refuse_running(drafts: Sequence[EntryDraft], *, exclude: Sequence[int]) -> None:
    """At most one running entry per user: one query for every user that opens a timer."""
    opening = [d for d in drafts if d.end is None]
    if len({d.user.pk for d in opening}) < len(opening):
        raise Conflict("Only one timer per user can run; the write opens two.", code="timer_running")
    running = find_running(users={d.user.pk for d in opening}, exclude=exclude) if opening else None
    if running is not None:
        raise running_conflict(running)


def _refuse_overlaps(drafts: Sequence[EntryDraft], *, exclude: Sequence[int]) -> None:
    """No two exclusive entries of one user overlap ([start, end), a running one open-ended): the
    drafts against each other, and against the stored rows in one query."""
    if not drafts:
        return
    per_user: dict[int, list[EntryDraft]] = defaultdict(list)
    for draft in drafts:
        per_user[draft.user.pk].append(draft)
    for mine in per_user.values():
        ordered = sorted(mine, key=lambda d: d.start)
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            if earlier.end is None or later.start < earlier.end:
                raise overlap_conflict(None, start=later.start)
    found = find_overlap(intervals=[(d.user.pk, d.start, d.end) for d in drafts], exclude=exclude)
    if found is not None:
        other, index = found
        # A timer that bumps into another running timer is reported as that, not as an overlap.
        raise running_conflict(other) if drafts[index].end is None and other.end is None else overlap_conflict(other)


def _apply(
    put: Sequence[EntryDraft],
    remove: Sequence[TimeEntry],
    *,
    now: datetime,
    exclusive: bool,
    checked_in_insert: bool = False,
) -> list:
    """Delete, update and insert. When several kept rows move at once they are first marked
    non-exclusive, so that moving them past each other cannot trip the exclusion constraint
    halfway through; each gets its flag back with its final times. With `checked_in_insert`, the
    one new row is inserted only if it overlaps nothing (and, open-ended, no timer runs), and the
    conflict is refused (named as `_refuse_running` and `_refuse_overlaps` name it) when not."""
    if len(remove) == 1:
        remove[0].delete()
    elif remove:
        TimeEntry.objects.filter(pk__in=[e.pk for e in remove]).delete()
    moved_rows = [d.entry.pk for d in put if d.entry is not None and d.moved and not d.closing]
    if len(moved_rows) > 1:
        TimeEntry.objects.filter(pk__in=moved_rows).update(exclusive=False)
    written, new_rows = [], []
    for draft in put:
        entry = draft.entry
        if entry is None:
            entry = TimeEntry(
                user=draft.user,
                session=draft.session,
                created_at=now,
                activity=draft.activity or "",
                notes=draft.notes or "",
                exclusive=exclusive,
            )
            new_rows.append(entry)
        elif draft.moved and not draft.closing:
            entry.exclusive = exclusive
        entry.start, entry.end, entry.project, entry.task = draft.start, draft.end, draft.project, draft.task
        for name in ("activity", "notes"):
            if getattr(draft, name) is not None:
                setattr(entry, name, getattr(draft, name))
        if draft.billable is not None:
            entry.billable = draft.billable
        elif draft.entry is None:
            entry.billable = draft.project.billable if draft.project is not None else False
        if draft.entry is not None:
            if draft.closing and draft.ref is None and draft.start == draft.old_interval[0] and _keeps_text(draft):
                _write_end(entry)
            else:
                entry.save()
        written.append(entry)
    if len(new_rows) == 1:
        if not _insert_one(new_rows[0], unless_conflicting=checked_in_insert):
            _refuse_running(put, exclude=())
            _refuse_overlaps(put, exclude=())
            raise overlap_conflict(None, start=put[0].start)  # gone again since; still refused
    elif new_rows:
        TimeEntry.objects.bulk_create(new_rows)
    return written


# Every column of a new entry but its id, and the INSERT that writes one: a single new row is most
# writes (a create, a timer, a lap), and Model.save() compiling the INSERT cost more than the
# database's work. TimeEntry has no save() of its own and no pre/post-save receivers, so this
# writes what save() wrote (tracking/tests/test_write_output.py compares them column by column).
_INSERT_COLUMNS = (
    "uuid", "user_id", "start", "end", "project_id", "task_id", "activity", "notes", "billable",
    "session_id", "exclusive", "created_at", "updated_at",
)  # fmt: skip
_INSERT_FIELDS = tuple(TimeEntry._meta.get_field(column.removesuffix("_id")) for column in _INSERT_COLUMNS)
_INSERT_INTO = "INSERT INTO tracking_timeentry ({})".format(", ".join(f'"{column}"' for column in _INSERT_COLUMNS))
_INSERT_ENTRY_SQL = f"{_INSERT_INTO} VALUES ({placeholders(_INSERT_COLUMNS)}) RETURNING id"


def _keeps_text(draft: EntryDraft) -> bool:
    return draft.activity is None and draft.notes is None and draft.billable is None


# Closing a running row (a timer stop, a session closing its laps) changes its end only; writing
# every column through Model.save() cost more than the UPDATE. What save() would write for it
# (tracking/tests/test_write_output.py compares them).
_WRITE_END_SQL = 'UPDATE tracking_timeentry SET "end" = %s, updated_at = %s WHERE id = %s'


def _write_end(entry: TimeEntry) -> None:
    entry.updated_at = timezone.now()  # what auto_now sets on save
    prep = TimeEntry._meta.get_field("end").get_db_prep_save
    with connection.cursor() as cursor:
        cursor.execute(_WRITE_END_SQL, [prep(entry.end, connection), prep(entry.updated_at, connection), entry.pk])


@cache
def _insert_unless_conflicting_sql(open_ended: bool) -> str:
    """The INSERT of one new exclusive row that writes nothing when a stored exclusive entry of the
    user overlaps it (rules' one step back on the (user, start) index) or, for an open-ended row,
    when one of the user's entries runs (rules' running-timer query, on its partial index). Each
    value is cast to its column's type (an INSERT ... SELECT does not infer them)."""
    values = ", ".join(f"%s::{field.cast_db_type(connection)}" for field in _INSERT_FIELDS)
    check = f"NOT EXISTS ({(OVERLAPPING_OPEN_SQL if open_ended else OVERLAPPING_ONE_SQL).format(exclude='')})"
    if open_ended:
        check += f" AND NOT EXISTS ({ANY_RUNNING_SQL.format(users='%s', exclude='')})"
    return f"{_INSERT_INTO} SELECT {values} WHERE {check} RETURNING id"


def _insert_one(entry: TimeEntry, *, unless_conflicting: bool = False) -> bool:
    """Insert `entry`; False (nothing written) when `unless_conflicting` and it overlaps a stored
    entry or, open-ended, a timer runs."""
    if not connection.features.can_return_columns_from_insert:
        entry.save(force_insert=True)
        return True
    entry.updated_at = timezone.now()  # what auto_now sets on save
    values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in _INSERT_FIELDS]
    if unless_conflicting:
        sql = _insert_unless_conflicting_sql(entry.end is None)
        if entry.end is None:
            values += [entry.user_id, entry.start, entry.user_id]
        else:
            values += [entry.user_id, entry.end, entry.start]
    else:
        sql = _INSERT_ENTRY_SQL
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    entry.pk = row[0]
    entry._state.adding, entry._state.db = False, connection.alias
    return True
