"""Sessions, their laps and participants.

A lap is a TimeEntry with `session` set, written through the same checks as any entry. The
status is the owner's clock: the owner's running lap is their one running timer. Transitions:

    planned --start--> running --pause--> paused --resume--> running
    running --lap--> running (closes the owner's open lap, opens the next)
    planned | running | paused --stop--> stopped (closes every open lap, participants' too)

Participants (the groups app adds them) keep their own clock in the session: `clock-in` opens a
lap of the actor's own, `clock-out` closes it, each one their personal running timer. For the
owner, clock-in is start/resume and clock-out is pause.

Every write runs the session write guard hook (`tracking.hooks.session_write_guard`) and
locks the lap owner's user row, then the session row (then entries).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record
from config.errors import Conflict, PermissionDenied, ValidationFailed
from tracking.compliance import ComplianceGuard
from tracking.models import Project, Session, SessionParticipant, SessionStatus, Task, TimeEntry
from tracking.services.entries import close_entry, insert_entry
from tracking.services.rules import (
    check_can_write,
    check_interval,
    check_usable,
    constraint_conflicts,
    exclusive_flag,
    lock_user,
    overlap_conflict,
    resolve_project_and_task,
)
from tracking.services.session_state import run_session_write_guards, session_sync

__all__ = [
    "LapSpec",
    "session_clock_in",
    "session_clock_out",
    "session_create",
    "session_delete",
    "session_lap",
    "session_log_add",
    "session_participant_join",
    "session_participant_leave",
    "session_pause",
    "session_resume",
    "session_start",
    "session_stop",
    "session_update",
]

ALLOWED_FROM = {
    "start": {SessionStatus.PLANNED},
    "pause": {SessionStatus.RUNNING},
    "resume": {SessionStatus.PAUSED},
    "lap": {SessionStatus.RUNNING},
    "stop": {SessionStatus.PLANNED, SessionStatus.RUNNING, SessionStatus.PAUSED},
}


@dataclass(frozen=True)
class LapSpec:
    """One lap of a full replacement (`session_update(laps=...)`). With `id`, the owner's lap of
    that id is updated in place (lap images keep pointing at it); without, a lap is created."""

    start: datetime
    end: datetime
    id: UUID | None = None
    activity: str = ""
    notes: str = ""
    project_id: UUID | None = None
    project_code: str | None = None
    task_id: UUID | None = None
    billable: bool | None = None


def _lock_session(session: Session, user: User | None = None) -> Session:
    lock_user(user or session.owner)
    return Session.objects.select_for_update().select_related("owner").get(pk=session.pk)


@transaction.atomic
def session_create(
    *,
    actor: User,
    title: str = "",
    notes: str = "",
    laps: Sequence[LapSpec] = (),
    now: datetime | None = None,
) -> Session:
    """Create a session owned by `actor`, who joins it as its first participant. With laps it is
    a record of finished work and is created stopped; without, it is planned."""
    now = now or timezone.now()
    lock_user(actor)
    session = Session.objects.create(owner=actor, title=title, notes=notes, created_at=now)
    SessionParticipant.objects.create(session=session, user=actor, joined_at=now)
    run_session_write_guards(session)
    if laps:
        _replace_laps(session, laps, now=now)
        session.status = SessionStatus.STOPPED
        session_sync(session, now=now)
    return session


_UNSET: Any = object()


@transaction.atomic
def session_update(
    *,
    actor: User,
    session: Session,
    title: str = _UNSET,
    notes: str = _UNSET,
    laps: Sequence[LapSpec] | None = None,
    now: datetime | None = None,
) -> Session:
    """Change title and notes and, when `laps` is given, replace the owner's laps with exactly
    that set, atomically (other participants' laps are left alone). Laps are checked like any
    entry and against each other. A running session's laps cannot be replaced (pause it first);
    a planned session that receives laps becomes a stopped record."""
    now = now or timezone.now()
    session = _lock_session(session)
    check_can_write(actor, session.owner, "session")
    run_session_write_guards(session)
    changed = {}
    if title is not _UNSET and title != session.title:
        changed["title"] = [session.title, title]
        session.title = title
    if notes is not _UNSET and notes != session.notes:
        changed["notes"] = [session.notes, notes]
        session.notes = notes
    session.save(update_fields=["title", "notes", "updated_at"])
    if laps is not None:
        if session.status == SessionStatus.RUNNING:
            raise Conflict(
                "The session is running; pause or stop it before replacing its laps.",
                code="invalid_transition",
                extra={"status": session.status},
            )
        _replace_laps(session, laps, now=now)
        changed["laps"] = len(laps)
        if session.status == SessionStatus.PLANNED and laps:
            session.status = SessionStatus.STOPPED
        session_sync(session, now=now)
    if actor.pk != session.owner_id and changed:
        audit_record(actor=actor, action="session.update", target=session, changes=changed)
    return session


def _lap_error(index: int, exc: ValidationFailed) -> ValidationFailed:
    return ValidationFailed(
        f"laps[{index}].{exc.message}",
        fields={"laps": [{} for _ in range(index)] + [exc.fields]},
    )


def _lookup_maps(specs: Sequence[LapSpec]) -> tuple[dict, dict, dict]:
    project_ids = {s.project_id for s in specs if s.project_id}
    codes = {s.project_code.strip().upper() for s in specs if s.project_code}
    task_ids = {s.task_id for s in specs if s.task_id}
    projects = Project.objects.filter(Q(uuid__in=project_ids) | Q(code__in=codes))
    by_id = {p.uuid: p for p in projects}
    by_code = {p.code: p for p in by_id.values()}
    tasks = {t.uuid: t for t in Task.objects.filter(uuid__in=task_ids).select_related("project")}
    return by_id, by_code, tasks


def _lap_project(spec: LapSpec, by_id: dict, by_code: dict, tasks: dict) -> tuple[Project | None, Task | None]:
    project = None
    if spec.project_id:
        project = by_id.get(spec.project_id)
        if project is None:
            raise ValidationFailed(
                "project: No project with this id.", fields={"project": ["No project with this id."]}
            )
    if spec.project_code:
        code = spec.project_code.strip().upper()
        named = by_code.get(code)
        if named is None:
            raise ValidationFailed(
                f"project_code: No project with code {code}.",
                fields={"project_code": [f"No project with code {code}."]},
            )
        if project is not None and named.pk != project.pk:
            raise ValidationFailed(
                "project_code: Names a different project than `project`.",
                fields={"project_code": ["Names a different project than `project`."]},
            )
        project = named
    task = None
    if spec.task_id:
        task = tasks.get(spec.task_id)
        if task is None:
            raise ValidationFailed("task: No task with this id.", fields={"task": ["No task with this id."]})
        if project is not None and task.project_id != project.pk:
            raise ValidationFailed(
                "task: Belongs to another project.", fields={"task": ["Belongs to another project."]}
            )
        project = task.project
    return project, task


def _replace_laps(session: Session, specs: Sequence[LapSpec], *, now: datetime) -> None:
    """Validate every lap, then delete, update and insert in one go. Kept laps are first marked
    non-exclusive so that moving them past each other cannot trip the exclusion constraint
    halfway through; each gets its final flag back with its final times."""
    owner = session.owner
    existing = {lap.uuid: lap for lap in session.laps.filter(user=owner).select_related("project", "task")}
    by_id, by_code, tasks = _lookup_maps(specs)
    seen: set[UUID] = set()
    rows: list[tuple[LapSpec, TimeEntry | None, Project | None, Task | None]] = []
    for index, spec in enumerate(specs):
        try:
            check_interval(start=spec.start, end=spec.end, now=now, running_allowed=False)
            current = None
            if spec.id is not None:
                current = existing.get(spec.id)
                if current is None or spec.id in seen:
                    raise ValidationFailed(
                        "id: Not a lap of this session, or listed twice.",
                        fields={"id": ["Not a lap of this session, or listed twice."]},
                    )
                seen.add(spec.id)
            project, task = _lap_project(spec, by_id, by_code, tasks)
        except ValidationFailed as exc:
            raise _lap_error(index, exc) from exc
        if current is None or (project, task) != (current.project, current.task):
            check_usable(project=project, task=task)
        rows.append((spec, current, project, task))

    exclusive = exclusive_flag()
    ordered = sorted(specs, key=lambda s: s.start)
    if exclusive:
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            if later.start < earlier.end:
                raise Conflict(
                    f"Two laps overlap: {earlier.start:%Y-%m-%dT%H:%M:%SZ} and {later.start:%Y-%m-%dT%H:%M:%SZ}.",
                    code="overlap",
                    fields={"laps": ["Laps overlap each other."]},
                )
    mine = [lap.pk for lap in existing.values()]
    if exclusive and specs:
        others = (
            TimeEntry.objects.filter(user=owner, exclusive=True, start__lt=ordered[-1].end)
            .filter(Q(end__isnull=True) | Q(end__gt=ordered[0].start))
            .exclude(pk__in=mine)
            .order_by("start")
        )
        for other in others:
            for spec in specs:
                if (other.end is None or spec.start < other.end) and spec.end > other.start:
                    raise overlap_conflict(other)

    intervals = [(lap.start, lap.end) for lap in existing.values()] + [(s.start, s.end) for s in specs]
    if not intervals:
        return
    removed = [lap.pk for uid, lap in existing.items() if uid not in seen]
    with (
        ComplianceGuard(user=owner, intervals=intervals, now=now),
        constraint_conflicts(user=owner, intervals=[(s.start, s.end) for s in specs], exclude=mine),
    ):
        TimeEntry.objects.filter(pk__in=removed).delete()
        TimeEntry.objects.filter(pk__in=[lap.pk for uid, lap in existing.items() if uid in seen]).update(
            exclusive=False
        )
        new_rows = []
        for spec, current, project, task in rows:
            billable = spec.billable if spec.billable is not None else (project.billable if project else False)
            values = {
                "start": spec.start,
                "end": spec.end,
                "activity": spec.activity,
                "notes": spec.notes,
                "project": project,
                "task": task,
                "billable": billable,
                "exclusive": exclusive,
            }
            if current is None:
                new_rows.append(TimeEntry(user=owner, session=session, created_at=now, **values))
                continue
            for field, value in values.items():
                setattr(current, field, value)
            current.save()
        TimeEntry.objects.bulk_create(new_rows)


def _transition(actor: User, session: Session, action: str) -> Session:
    session = _lock_session(session)
    check_can_write(actor, session.owner, "session")
    run_session_write_guards(session)
    if session.status not in ALLOWED_FROM[action]:
        raise Conflict(
            f"Cannot {action} this session: it is {session.status}.",
            code="invalid_transition",
            extra={"status": session.status},
        )
    return session


def _open_lap(session: Session, *, now: datetime) -> None:
    """The new lap is the owner's timer: a 409 if another one runs."""
    insert_entry(user=session.owner, start=now, end=None, now=now, session=session)


def _close_open_laps(session: Session, *, now: datetime, user: User | None = None) -> None:
    """Close the running laps of the session (only `user`'s, when given). The session row is
    locked, and every lap writer locks it before touching a lap, so another participant's lap
    can be closed here without their user row."""
    laps = session.laps.filter(end__isnull=True)
    if user is not None:
        laps = laps.filter(user=user)
    for lap in laps:
        close_entry(lap, end=max(now, lap.start))


@transaction.atomic
def session_start(*, actor: User, session: Session, now: datetime | None = None) -> Session:
    """planned → running: opens the first lap (the owner's timer; 409 if one already runs)."""
    now = now or timezone.now()
    session = _transition(actor, session, "start")
    _open_lap(session, now=now)
    session.status = SessionStatus.RUNNING
    return session_sync(session, now=now)


@transaction.atomic
def session_pause(*, actor: User, session: Session, now: datetime | None = None) -> Session:
    """running → paused: closes the owner's open lap (participants keep their own clock)."""
    now = now or timezone.now()
    session = _transition(actor, session, "pause")
    _close_open_laps(session, now=now, user=session.owner)
    session.status = SessionStatus.PAUSED
    return session_sync(session, now=now)


@transaction.atomic
def session_resume(*, actor: User, session: Session, now: datetime | None = None) -> Session:
    """paused → running: opens a new lap."""
    now = now or timezone.now()
    session = _transition(actor, session, "resume")
    _open_lap(session, now=now)
    session.status = SessionStatus.RUNNING
    return session_sync(session, now=now)


@transaction.atomic
def session_lap(*, actor: User, session: Session, now: datetime | None = None) -> Session:
    """running → running: closes the owner's open lap at `now` and opens the next one there."""
    now = now or timezone.now()
    session = _transition(actor, session, "lap")
    _close_open_laps(session, now=now, user=session.owner)
    _open_lap(session, now=now)
    return session_sync(session, now=now)


@transaction.atomic
def session_stop(*, actor: User, session: Session, now: datetime | None = None) -> Session:
    """planned | running | paused → stopped: closes every open lap, participants' included."""
    now = now or timezone.now()
    session = _transition(actor, session, "stop")
    _close_open_laps(session, now=now)
    session.status = SessionStatus.STOPPED
    session.ended_at = now
    return session_sync(session, now=now)


@transaction.atomic
def session_log_add(
    *,
    actor: User,
    session: Session,
    start: datetime,
    end: datetime | None = None,
    duration: int | None = None,
    activity: str = "",
    notes: str = "",
    project_id: UUID | None = None,
    project_code: str | None = None,
    task_id: UUID | None = None,
    billable: bool | None = None,
    now: datetime | None = None,
) -> TimeEntry:
    """Add a finished lap (LockIN's time log): `start` plus `end`, or plus `duration` in seconds.
    A participant logs their own time; the owner's or an ADMIN's log is the owner's time. Allowed
    in every state; a stopped session's end moves with it."""
    now = now or timezone.now()
    if (end is None) == (duration is None):
        raise ValidationFailed(
            "Give exactly one of end_utc and duration.",
            fields={"end_utc": ["Give exactly one of end_utc and duration."]},
        )
    check_interval(start=start, end=start + timedelta(seconds=1), now=now)
    if end is None:
        end = start + timedelta(seconds=duration)
    lap_user = _log_author(actor, session)
    session = _lock_session(session, lap_user)
    run_session_write_guards(session)
    project, task = resolve_project_and_task(project_id=project_id, project_code=project_code, task_id=task_id)
    entry, _ = insert_entry(
        user=lap_user,
        start=start,
        end=end,
        now=now,
        project=project,
        task=task,
        activity=activity,
        notes=notes,
        billable=billable,
        session=session,
    )
    session_sync(session, now=now)
    return entry


def _is_participant(user: User, session: Session) -> bool:
    return SessionParticipant.objects.filter(session=session, user=user, left_at__isnull=True).exists()


def _log_author(actor: User, session: Session) -> User:
    if actor.pk == session.owner_id:
        return actor
    if _is_participant(actor, session):
        return actor
    if actor.is_admin_role:
        return session.owner
    raise PermissionDenied("Only the owner, a participant or an ADMIN can log time in this session.")


@transaction.atomic
def session_clock_in(*, actor: User, session: Session, now: datetime | None = None) -> Session:
    """Open a lap of `actor`'s own in the session: their running timer (409 `timer_running` if
    another one runs anywhere). Only the owner and current participants may; a stopped session
    takes no clock-in (409 `session_stopped`). The owner clocking in starts or resumes the
    session. Locks the actor's user row, then the session."""
    now = now or timezone.now()
    session = _lock_session(session, actor)
    run_session_write_guards(session)
    if actor.pk != session.owner_id and not _is_participant(actor, session):
        raise PermissionDenied("Join the session before clocking in.")
    if session.status == SessionStatus.STOPPED:
        raise Conflict("The session is stopped; it takes no more clock-ins.", code="session_stopped")
    insert_entry(user=actor, start=now, end=None, now=now, session=session)
    if actor.pk == session.owner_id:
        session.status = SessionStatus.RUNNING
    return session_sync(session, now=now)


@transaction.atomic
def session_clock_out(*, actor: User, session: Session, now: datetime | None = None) -> Session:
    """Close `actor`'s running lap in the session (409 `not_clocked_in` without one; a lap
    closed where it started is dropped). For the owner this pauses the session. Locks the
    actor's user row, then the session."""
    now = now or timezone.now()
    session = _lock_session(session, actor)
    run_session_write_guards(session)
    lap = session.laps.filter(user=actor, end__isnull=True).first()
    if lap is None:
        raise Conflict("You are not clocked in to this session.", code="not_clocked_in")
    close_entry(lap, end=max(now, lap.start))
    return session_sync(session, now=now)


@transaction.atomic
def session_delete(*, actor: User, session: Session) -> None:
    """Delete a session with its laps and participants (the owner's timer goes too if a lap was
    running). Audited when someone other than the owner deletes."""
    session = _lock_session(session)
    check_can_write(actor, session.owner, "session")
    run_session_write_guards(session)
    if actor.pk != session.owner_id:
        audit_record(
            actor=actor,
            action="session.delete",
            target=session,
            changes={"owner": session.owner.email, "laps": session.laps.count()},
        )
    session.delete()


@transaction.atomic
def session_participant_join(
    *, actor: User, session: Session, user: User, now: datetime | None = None
) -> SessionParticipant:
    """Add `user` to the session (again, if they had left). The user themself, the owner or an
    ADMIN may do this; the groups app calls it for its members."""
    now = now or timezone.now()
    session = _lock_session(session)
    if actor.pk not in (user.pk, session.owner_id) and not actor.is_admin_role:
        raise PermissionDenied("Only the user, the session's owner or an ADMIN can add a participant.")
    run_session_write_guards(session)
    participant, created = SessionParticipant.objects.get_or_create(
        session=session, user=user, defaults={"joined_at": now}
    )
    if not created and participant.left_at is not None:
        participant.joined_at, participant.left_at = now, None
        participant.save(update_fields=["joined_at", "left_at"])
    return participant


@transaction.atomic
def session_participant_leave(
    *, actor: User, session: Session, user: User, now: datetime | None = None
) -> SessionParticipant:
    """Mark `user` as having left and close their running lap in the session, if any; their laps
    stay. The owner cannot leave their own session."""
    now = now or timezone.now()
    session = _lock_session(session)
    if actor.pk not in (user.pk, session.owner_id) and not actor.is_admin_role:
        raise PermissionDenied("Only the user, the session's owner or an ADMIN can remove a participant.")
    if user.pk == session.owner_id:
        raise Conflict("The owner cannot leave their own session.", code="owner_cannot_leave")
    run_session_write_guards(session)
    participant = SessionParticipant.objects.filter(session=session, user=user).first()
    if participant is None:
        raise ValidationFailed("user: Not a participant of this session.", fields={"user": ["Not a participant."]})
    if participant.left_at is None:
        participant.left_at = max(now, participant.joined_at)
        participant.save(update_fields=["left_at"])
        _close_open_laps(session, now=now, user=user)
        session_sync(session, now=now)
    return participant
