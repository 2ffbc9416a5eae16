"""Time entries and the running timer. Every write goes through the gate (gate.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Unpack
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User, UserSettings
from audit.models import Action
from audit.services import audit_change, audit_record
from config.changes import check_changes
from config.errors import Conflict, PermissionDenied, ValidationFailed
from tracking.compliance import Violation
from tracking.models import Project, Session, TimeEntry
from tracking.services.gate import Booking, EntryDraft, ProjectRef, booked, entries_write
from tracking.services.rules import check_can_write, lock_user
from tracking.services.session_state import run_session_write_guards

Written = tuple[TimeEntry, list[Violation]]


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
    owner_id: UUID | None = None,
    now: datetime | None = None,
    **booking: Unpack[Booking],
) -> Written:
    """Record an entry (without `end`: a running timer that started at `start`). An ADMIN may
    pass `owner_id` to write for someone else, which is audited. Locks the owner's row (the gate
    does, with the project lookup)."""
    now = now or timezone.now()
    owner = _resolve_owner(actor, owner_id)
    written = entries_write(put=[booked(user=owner, start=start, end=end, **booking)], now=now, lock=owner)
    entry = written.entries[0]
    audit_change(
        actor=actor, owner=owner, action=Action.TIME_ENTRY_CREATE_FOR_USER, target=entry, changes={"user": owner.email}
    )
    return entry, written.warnings


def _default_project(user: User) -> Project | None:
    """The user's default project, if it still exists and is active (an archived default is
    ignored rather than blocking the timer)."""
    project_uuid = UserSettings.objects.filter(user=user).values_list("default_project", flat=True).first()
    if project_uuid is None:
        return None
    return Project.objects.filter(uuid=project_uuid, archived=False).first()


@transaction.atomic
def timer_start(
    *, actor: User, start: datetime | None = None, now: datetime | None = None, **booking: Unpack[Booking]
) -> Written:
    """Start `actor`'s timer at `start` (default now). Without a project or task the user's
    default project is used. A running timer (a plain one or a session's lap) is a 409; the
    partial unique index backs this when two starts race."""
    now = now or timezone.now()
    lock_user(actor)
    draft = booked(user=actor, start=start or now, end=None, **booking)
    if not draft.ref.names_project and draft.ref.task_id is None:
        draft.ref = ProjectRef(project=_default_project(actor))
    written = entries_write(put=[draft], now=now)
    return written.entries[0], written.warnings


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
    length. Stopping the session owner's running lap pauses the session. An ADMIN stopping
    someone else's timer is audited."""
    now = now or timezone.now()
    entry = _locked_entry(actor, entry)
    if entry.end is not None:
        raise Conflict(f"Entry {entry.uuid} is not running.", code="not_running")
    if now <= entry.start:
        raise Conflict("This timer starts in the future; delete it instead of stopping it.", code="not_started")
    end = min(now, entry.start + timedelta(hours=settings.TIME_ENTRY_MAX_HOURS))
    draft = EntryDraft(user=entry.user, start=entry.start, end=end, entry=entry, session=entry.session, closing=True)
    written = entries_write(put=[draft], now=now, warn_on_close=True)
    audit_change(
        actor=actor,
        owner=entry.user,
        action=Action.TIME_ENTRY_STOP,
        target=entry,
        changes={"user": entry.user.email, "end": _plain(end)},
    )
    return entry, written.warnings


UPDATABLE = ("start", "end", "project_id", "project_code", "task_id", "activity", "notes", "billable")
SNAPSHOT = ("start", "end", "project", "task", "activity", "notes", "billable")


def _ref_after(entry: TimeEntry, changes: Mapping[str, Any]) -> ProjectRef | None:
    """What a partial update books the entry on: None when it names neither project nor task.
    `project_id`/`project_code` None clears the project (and a task of another project goes with
    it); a task alone moves the entry to the task's project."""
    names_project = "project_id" in changes or "project_code" in changes
    if not names_project and "task_id" not in changes:
        return None
    return ProjectRef(
        project_id=changes.get("project_id"),
        project_code=changes.get("project_code"),
        task_id=changes.get("task_id"),
        project=None if names_project else entry.project,
        keep_task=None if "task_id" in changes else entry.task,
    )


def _snapshot(entry: TimeEntry) -> dict[str, Any]:
    return {
        "start": entry.start,
        "end": entry.end,
        "project": entry.project.code if entry.project else None,
        "task": entry.task.name if entry.task else None,
        "activity": entry.activity,
        "notes": entry.notes,
        "billable": entry.billable,
    }


@transaction.atomic
def time_entry_update(
    *, actor: User, entry: TimeEntry, changes: Mapping[str, Any], now: datetime | None = None
) -> Written:
    """Apply a partial update (keys from UPDATABLE). A finished entry cannot be reopened; a
    running one is closed by giving `end`. Locks the owner's row. Audited when someone other than
    the owner edits, and whenever the project or task changes."""
    check_changes(changes, UPDATABLE)
    now = now or timezone.now()
    entry = _locked_entry(actor, entry)
    before = _snapshot(entry)
    end = changes.get("end", entry.end)
    if end is None and entry.end is not None:
        raise ValidationFailed(
            "end_utc: A finished entry cannot be reopened; start a timer instead.",
            fields={"end_utc": ["A finished entry cannot be reopened."]},
        )
    draft = EntryDraft(
        user=entry.user,
        start=changes.get("start", entry.start),
        end=end,
        entry=entry,
        ref=_ref_after(entry, changes),
        session=entry.session,
        activity=changes.get("activity"),
        notes=changes.get("notes"),
        billable=changes.get("billable"),
    )
    written = entries_write(put=[draft], now=now, warn_on_close=True)
    _audit_update(actor, entry, before)
    return entry, written.warnings


def _audit_update(actor: User, entry: TimeEntry, before: dict) -> None:
    after = _snapshot(entry)
    changed = {key: [_plain(before[key]), _plain(after[key])] for key in SNAPSHOT if before[key] != after[key]}
    if not changed:
        return
    if actor.pk != entry.user_id:
        audit_change(
            actor=actor,
            owner=entry.user,
            action=Action.TIME_ENTRY_UPDATE,
            target=entry,
            changes={"user": entry.user.email, **changed},
        )
    elif "project" in changed or "task" in changed:
        # Moving one's own time between projects changes what is billed to whom: recorded too.
        moved = {key: changed[key] for key in ("project", "task") if key in changed}
        audit_record(actor=actor, action=Action.TIME_ENTRY_REASSIGN, target=entry, changes=moved)


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


@transaction.atomic
def time_entry_delete(*, actor: User, entry: TimeEntry, now: datetime | None = None) -> None:
    """Delete an entry (a lap too; deleting a session's running lap pauses the session). Locks
    the owner's row; audited when someone other than the owner deletes."""
    now = now or timezone.now()
    entry = _locked_entry(actor, entry)
    audit_change(
        actor=actor,
        owner=entry.user,
        action=Action.TIME_ENTRY_DELETE,
        target=entry,
        changes={"user": entry.user.email, "start": _plain(entry.start), "end": _plain(entry.end)},
    )
    entries_write(remove=[entry], now=now)
