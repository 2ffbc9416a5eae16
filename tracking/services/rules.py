"""Checks every write to time entries shares: the lock, the interval rules, overlaps, project and
task lookup, and turning constraint errors into 409s.

Lock order, everywhere: the entry owner's user row first, then a session row, then entries. The
user row lock serializes all writes to one person's time, so a check-then-insert cannot race
(on SQLite the IMMEDIATE transaction mode serializes writers anyway)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts.models import User
from config.errors import Conflict, PermissionDenied, ValidationFailed
from tracking.models import Project, Task, TimeEntry

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
RUNNING_CONSTRAINT = "tracking_one_running_entry_per_user"
OVERLAP_CONSTRAINT = "tracking_entry_no_overlap"

Interval = tuple[datetime, datetime | None]


def lock_user(user: User) -> None:
    """Hold `user`'s row until the transaction ends (a no-op on SQLite, where the IMMEDIATE
    transaction already holds the database's write lock)."""
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))


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
        _invalid("start_utc", "Must be after 1970-01-01.")
    if start > now + skew:
        _invalid("start_utc", "Cannot be in the future.")
    if end is None:
        if not running_allowed:
            _invalid("end_utc", "This field is required.")
        if now - start > longest:
            _invalid(
                "start_utc", f"A running entry cannot have started more than {settings.TIME_ENTRY_MAX_HOURS} h ago."
            )
        return
    if end <= start:
        _invalid("end_utc", "Must be after start_utc.")
    if end > now + skew:
        _invalid("end_utc", "Cannot be in the future.")
    if end - start > longest:
        _invalid("end_utc", f"An entry may last at most {settings.TIME_ENTRY_MAX_HOURS} h.")


def _invalid(field: str, message: str) -> None:
    raise ValidationFailed(f"{field}: {message}", fields={field: [message]})


def exclusive_flag() -> bool:
    """Whether a row written now takes part in the no-overlap rule."""
    return not settings.TIME_ENTRY_ALLOW_OVERLAP


def find_overlap(*, user: User, start: datetime, end: datetime | None, exclude: Iterable[int] = ()) -> TimeEntry | None:
    """The earliest of `user`'s exclusive entries that overlaps [start, end) (end None = open).
    Uses the (user, start) index."""
    entries = TimeEntry.objects.filter(user=user, exclusive=True).filter(Q(end__isnull=True) | Q(end__gt=start))
    if end is not None:
        entries = entries.filter(start__lt=end)
    exclude = list(exclude)
    if exclude:
        entries = entries.exclude(pk__in=exclude)
    return entries.order_by("start", "pk").first()


def overlap_conflict(other: TimeEntry) -> Conflict:
    until = f"{other.end:%Y-%m-%dT%H:%M:%SZ}" if other.end else "now (running)"
    return Conflict(
        f"Overlaps entry {other.uuid} ({other.start:%Y-%m-%dT%H:%M:%SZ} to {until}).",
        code="overlap",
        fields={"start_utc": [f"Overlaps entry {other.uuid}."]},
        extra={"conflicting_entry": str(other.uuid)},
    )


def refuse_overlap(*, user: User, start: datetime, end: datetime | None, exclude: Iterable[int] = ()) -> None:
    if not exclusive_flag():
        return
    other = find_overlap(user=user, start=start, end=end, exclude=exclude)
    if other is not None:
        raise overlap_conflict(other)


def running_conflict(running: TimeEntry) -> Conflict:
    where = f" (a lap of session {running.session.uuid})" if running.session_id else ""
    return Conflict(
        f"A timer is already running: entry {running.uuid}{where}. Stop it first.",
        code="timer_running",
        extra={"running_entry": str(running.uuid)},
    )


@contextmanager
def constraint_conflicts(*, user: User, intervals: Sequence[Interval] = (), exclude: Iterable[int] = ()) -> Iterator:
    """Run the writes in a savepoint; a constraint the database enforces becomes a 409. Only a
    race past the service's own checks (or a write that skipped them) ends up here."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        text = str(exc)
        opens_timer = any(end is None for _, end in intervals)
        unique_running = RUNNING_CONSTRAINT in text or "tracking_timeentry.user_id" in text
        if unique_running or (opens_timer and OVERLAP_CONSTRAINT in text):
            # Two racing timers break both rules; the one worth reporting is the running timer.
            running = TimeEntry.objects.filter(user=user, end__isnull=True).select_related("session").first()
            if running is not None:
                raise running_conflict(running) from exc
        if unique_running:
            raise Conflict("A timer is already running. Stop it first.", code="timer_running") from exc
        if OVERLAP_CONSTRAINT in text:
            for start, end in intervals:
                other = find_overlap(user=user, start=start, end=end, exclude=exclude)
                if other is not None:
                    raise overlap_conflict(other) from exc
            raise Conflict("The entry overlaps another entry.", code="overlap") from exc
        raise Conflict("The change conflicts with the current data.", code="conflict") from exc


def resolve_project(*, project_id: UUID | None, project_code: str | None) -> Project | None:
    """The project named by public id or by code (the Logger seed sends `project_code`). An
    unknown one is a 400 naming the field that was sent."""
    project = None
    if project_id is not None:
        project = Project.objects.filter(uuid=project_id).first()
        if project is None:
            _invalid("project", "No project with this id.")
    if project_code:
        code = project_code.strip().upper()
        by_code = Project.objects.filter(code=code).first()
        if by_code is None:
            _invalid("project_code", f"No project with code {code}.")
        if project is not None and by_code.pk != project.pk:
            _invalid("project_code", "Names a different project than `project`.")
        project = by_code
    return project


def resolve_task(*, task_id: UUID, project: Project | None) -> tuple[Task, Project]:
    """The task and its project. Without a project the task's own is used; with one, the task
    must belong to it."""
    task = Task.objects.select_related("project").filter(uuid=task_id).first()
    if task is None:
        _invalid("task", "No task with this id.")
    if project is not None and task.project_id != project.pk:
        _invalid("task", f"Belongs to project {task.project.code}, not {project.code}.")
    return task, task.project


def resolve_project_and_task(
    *, project_id: UUID | None, project_code: str | None, task_id: UUID | None
) -> tuple[Project | None, Task | None]:
    """What a new entry is booked on: the project by id or code, and the task if one is given
    (a task alone brings its project; with both, the task must belong to the project)."""
    project = resolve_project(project_id=project_id, project_code=project_code)
    if task_id is None:
        return project, None
    task, project = resolve_task(task_id=task_id, project=project)
    return project, task


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
