"""Time entries and the running timer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User, UserSettings
from audit.services import audit_record
from config.errors import Conflict, PermissionDenied, ValidationFailed
from tracking.compliance import ComplianceGuard, Violation
from tracking.models import Project, Session, Task, TimeEntry
from tracking.services.rules import (
    check_can_write,
    check_interval,
    check_usable,
    constraint_conflicts,
    exclusive_flag,
    find_overlap,
    lock_user,
    overlap_conflict,
    refuse_overlap,
    resolve_project,
    resolve_project_and_task,
    resolve_task,
    running_conflict,
)
from tracking.services.session_state import run_session_write_guards, session_sync

Written = tuple[TimeEntry, list[Violation]]


def insert_entry(
    *,
    user: User,
    start: datetime,
    end: datetime | None,
    now: datetime,
    project: Project | None = None,
    task: Task | None = None,
    activity: str = "",
    notes: str = "",
    billable: bool | None = None,
    session: Session | None = None,
) -> Written:
    """Check and insert one entry for `user`, whose row the caller has locked. Project and task
    are already resolved; they must not be archived. `billable` defaults to the project's."""
    check_interval(start=start, end=end, now=now)
    check_usable(project=project, task=task)
    if end is None:
        running = TimeEntry.objects.filter(user=user, end__isnull=True).select_related("session").first()
        if running is not None:
            raise running_conflict(running)
    other = find_overlap(user=user, start=start, end=end) if exclusive_flag() else None
    if other is not None:
        # A timer that bumps into another running timer is reported as that, not as an overlap.
        raise running_conflict(other) if end is None and other.end is None else overlap_conflict(other)
    if billable is None:
        billable = project.billable if project is not None else False
    entry = TimeEntry(
        user=user,
        start=start,
        end=end,
        project=project,
        task=task,
        activity=activity,
        notes=notes,
        billable=billable,
        session=session,
        exclusive=exclusive_flag(),
        created_at=now,
    )
    with (
        ComplianceGuard(user=user, intervals=[(start, end)], now=now) as guard,
        constraint_conflicts(user=user, intervals=[(start, end)]),
    ):
        entry.save(force_insert=True)
    return entry, guard.warnings


def close_entry(entry: TimeEntry, *, end: datetime) -> bool:
    """Stop a running entry at `end` (the caller holds the owner's lock). A lap that would end
    where it starts is deleted instead. Returns whether the entry still exists."""
    if end <= entry.start:
        entry.delete()
        return False
    entry.end = end
    entry.save(update_fields=["end", "updated_at"])
    return True


def _resolve_owner(actor: User, owner_id: UUID | None) -> User:
    if owner_id is None or owner_id == actor.uuid:
        return actor
    if not actor.is_admin_role:
        raise PermissionDenied("Only an ADMIN can write another user's entries.")
    owner = User.objects.filter(uuid=owner_id).first()
    if owner is None:
        raise ValidationFailed("user: No user with this id.", fields={"user": ["No user with this id."]})
    return owner


@transaction.atomic
def time_entry_create(
    *,
    actor: User,
    start: datetime,
    end: datetime | None = None,
    project_id: UUID | None = None,
    project_code: str | None = None,
    task_id: UUID | None = None,
    activity: str = "",
    notes: str = "",
    billable: bool | None = None,
    owner_id: UUID | None = None,
    now: datetime | None = None,
) -> Written:
    """Record an entry (without `end`: a running timer that started at `start`). An ADMIN may
    pass `owner_id` to write for someone else, which is audited. Locks the owner's row."""
    now = now or timezone.now()
    owner = _resolve_owner(actor, owner_id)
    lock_user(owner)
    project, task = resolve_project_and_task(project_id=project_id, project_code=project_code, task_id=task_id)
    entry, warnings = insert_entry(
        user=owner,
        start=start,
        end=end,
        now=now,
        project=project,
        task=task,
        activity=activity,
        notes=notes,
        billable=billable,
    )
    if owner.pk != actor.pk:
        audit_record(actor=actor, action="time_entry.create_for_user", target=entry, changes={"user": owner.email})
    return entry, warnings


def _default_project(user: User) -> Project | None:
    """The user's default project, if it still exists and is active (an archived default is
    ignored rather than blocking the timer)."""
    project_uuid = UserSettings.objects.filter(user=user).values_list("default_project", flat=True).first()
    if project_uuid is None:
        return None
    return Project.objects.filter(uuid=project_uuid, archived=False).first()


@transaction.atomic
def timer_start(
    *,
    actor: User,
    project_id: UUID | None = None,
    project_code: str | None = None,
    task_id: UUID | None = None,
    activity: str = "",
    notes: str = "",
    billable: bool | None = None,
    start: datetime | None = None,
    now: datetime | None = None,
) -> Written:
    """Start `actor`'s timer at `start` (default now). Without a project or task the user's
    default project is used. A running timer (a plain one or a session's lap) is a 409; the
    partial unique index backs this when two starts race."""
    now = now or timezone.now()
    lock_user(actor)
    running = TimeEntry.objects.filter(user=actor, end__isnull=True).select_related("session").first()
    if running is not None:
        raise running_conflict(running)
    project, task = resolve_project_and_task(project_id=project_id, project_code=project_code, task_id=task_id)
    if project is None:
        project = _default_project(actor)
    return insert_entry(
        user=actor,
        start=start or now,
        end=None,
        now=now,
        project=project,
        task=task,
        activity=activity,
        notes=notes,
        billable=billable,
    )


def _locked_entry(actor: User, entry: TimeEntry) -> TimeEntry:
    """The entry reloaded under its owner's lock and, for a lap, its session's lock (taken before
    the lap is written: the session's owner may close any participant's lap under that lock)."""
    lock_user(entry.user)
    entry = TimeEntry.objects.select_related("user", "project", "task").get(pk=entry.pk)
    check_can_write(actor, entry.user)
    if entry.session_id is not None:
        entry.session = Session.objects.select_for_update().get(pk=entry.session_id)
        run_session_write_guards(entry.session)
    return entry


@transaction.atomic
def timer_stop(*, actor: User, entry: TimeEntry, now: datetime | None = None) -> Written:
    """Stop a running entry now. A timer left running past TIME_ENTRY_MAX_HOURS stops at that
    length. Stopping the session owner's running lap pauses the session."""
    now = now or timezone.now()
    entry = _locked_entry(actor, entry)
    if entry.end is not None:
        raise Conflict(f"Entry {entry.uuid} is not running.", code="not_running")
    if now <= entry.start:
        raise Conflict("This timer starts in the future; delete it instead of stopping it.", code="not_started")
    end = min(now, entry.start + timedelta(hours=settings.TIME_ENTRY_MAX_HOURS))
    with ComplianceGuard(user=entry.user, intervals=[(entry.start, end)], now=now) as guard:
        close_entry(entry, end=end)
        if entry.session is not None:
            session_sync(entry.session, now=now)
    return entry, guard.warnings


UPDATABLE = ("start", "end", "project_id", "project_code", "task_id", "activity", "notes", "billable")


def _apply_project_changes(entry: TimeEntry, changes: Mapping[str, Any]) -> tuple[Project | None, Task | None]:
    """The project and task after a partial update (`project_id`/`project_code` None clears the
    project; a task alone moves the entry to the task's project)."""
    project, task = entry.project, entry.task
    if "project_id" in changes or "project_code" in changes:
        project = resolve_project(project_id=changes.get("project_id"), project_code=changes.get("project_code"))
        if task is not None and (project is None or task.project_id != project.pk):
            task = None
    if "task_id" in changes:
        task = None
        if changes["task_id"] is not None:
            explicit = project if ("project_id" in changes or "project_code" in changes) else None
            task, project = resolve_task(task_id=changes["task_id"], project=explicit)
    return project, task


@transaction.atomic
def time_entry_update(
    *, actor: User, entry: TimeEntry, changes: Mapping[str, Any], now: datetime | None = None
) -> Written:
    """Apply a partial update (keys from UPDATABLE). A finished entry cannot be reopened; a
    running one is closed by giving `end`. Locks the owner's row. Audited when someone other than
    the owner edits, and whenever the project or task changes."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    now = now or timezone.now()
    entry = _locked_entry(actor, entry)
    before = {
        "start": entry.start,
        "end": entry.end,
        "project": entry.project.code if entry.project else None,
        "task": entry.task.name if entry.task else None,
        "activity": entry.activity,
        "notes": entry.notes,
        "billable": entry.billable,
    }
    start = changes.get("start", entry.start)
    end = changes.get("end", entry.end)
    if end is None and entry.end is not None:
        raise ValidationFailed(
            "end_utc: A finished entry cannot be reopened; start a timer instead.",
            fields={"end_utc": ["A finished entry cannot be reopened."]},
        )
    project, task = _apply_project_changes(entry, changes)
    if (project, task) != (entry.project, entry.task):
        check_usable(
            project=project if project != entry.project else None,
            task=task if task != entry.task else None,
        )
    # Only a change of times is checked against the interval rules, so an old entry stays
    # editable after the limits were tightened.
    moved = (start, end) != (entry.start, entry.end)
    if moved:
        check_interval(start=start, end=end, now=now)
        refuse_overlap(user=entry.user, start=start, end=end, exclude=[entry.pk])
        entry.exclusive = exclusive_flag()
    with ComplianceGuard(user=entry.user, intervals=[(before["start"], before["end"]), (start, end)], now=now) as guard:
        entry.start, entry.end, entry.project, entry.task = start, end, project, task
        for field in ("activity", "notes", "billable"):
            if field in changes:
                setattr(entry, field, changes[field])
        with constraint_conflicts(user=entry.user, intervals=[(start, end)], exclude=[entry.pk]):
            entry.save()
        if moved and entry.session is not None:
            session_sync(entry.session, now=now)
    _audit_update(actor, entry, before)
    return entry, guard.warnings


def _audit_update(actor: User, entry: TimeEntry, before: dict) -> None:
    after = {
        "start": entry.start,
        "end": entry.end,
        "project": entry.project.code if entry.project else None,
        "task": entry.task.name if entry.task else None,
        "activity": entry.activity,
        "notes": entry.notes,
        "billable": entry.billable,
    }
    changed = {key: [_plain(before[key]), _plain(after[key])] for key in after if before[key] != after[key]}
    if not changed:
        return
    if actor.pk != entry.user_id:
        audit_record(
            actor=actor, action="time_entry.update", target=entry, changes={"user": entry.user.email, **changed}
        )
    elif "project" in changed or "task" in changed:
        moved = {key: changed[key] for key in ("project", "task") if key in changed}
        audit_record(actor=actor, action="time_entry.reassign", target=entry, changes=moved)


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


@transaction.atomic
def time_entry_delete(*, actor: User, entry: TimeEntry, now: datetime | None = None) -> None:
    """Delete an entry (a lap too; deleting a session's running lap pauses the session). Locks
    the owner's row; audited when someone other than the owner deletes."""
    now = now or timezone.now()
    entry = _locked_entry(actor, entry)
    session = entry.session
    if actor.pk != entry.user_id:
        audit_record(
            actor=actor,
            action="time_entry.delete",
            target=entry,
            changes={"user": entry.user.email, "start": _plain(entry.start), "end": _plain(entry.end)},
        )
    entry.delete()
    if session is not None:
        session_sync(session, now=now)
