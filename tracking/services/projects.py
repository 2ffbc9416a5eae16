"""Projects and tasks: STAFF and ADMIN manage them; every change is audited."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import audit_record
from config.errors import Conflict, PermissionDenied, ValidationFailed
from tracking.models import Project, Task

PROJECT_FIELDS = ("code", "name", "color", "billable")
TASK_FIELDS = ("name",)


def _require_manager(actor: User) -> None:
    if not actor.is_staff_role:
        raise PermissionDenied("Only STAFF or ADMIN accounts manage projects and tasks.")


def _code_taken(code: str) -> Conflict:
    return Conflict(f"Project code {code} is taken.", code="code_taken", fields={"code": ["Taken."]})


@transaction.atomic
def project_create(*, actor: User, code: str, name: str, color: str = "#607D8B", billable: bool = True) -> Project:
    _require_manager(actor)
    code = code.strip().upper()
    if Project.objects.filter(code=code).exists():
        raise _code_taken(code)
    try:
        with transaction.atomic():
            project = Project.objects.create(code=code, name=name, color=color.upper(), billable=billable)
    except IntegrityError as exc:  # a concurrent create with the same code won
        raise _code_taken(code) from exc
    audit_record(actor=actor, action=Action.PROJECT_CREATE, target=project, changes={"code": code, "name": name})
    return project


@transaction.atomic
def project_update(*, actor: User, project: Project, changes: Mapping[str, Any]) -> Project:
    """Change code, name, color or billable (keys of PROJECT_FIELDS). Entries keep pointing at
    the project, so a new code applies to them too."""
    _require_manager(actor)
    project = Project.objects.select_for_update().get(pk=project.pk)
    diff = {}
    for field in PROJECT_FIELDS:
        if field not in changes:
            continue
        value = changes[field]
        if field == "code":
            value = value.strip().upper()
        elif field == "color":
            value = value.upper()
        if getattr(project, field) != value:
            diff[field] = [getattr(project, field), value]
            setattr(project, field, value)
    if not diff:
        return project
    if "code" in diff and Project.objects.filter(code=project.code).exclude(pk=project.pk).exists():
        raise _code_taken(project.code)
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError as exc:
        raise _code_taken(project.code) from exc
    audit_record(actor=actor, action=Action.PROJECT_UPDATE, target=project, changes=diff)
    return project


Archivable = TypeVar("Archivable", Project, Task)


def _set_archived(actor: User, obj: Archivable, archived: bool, *, archive: Action, restore: Action) -> Archivable:
    """A conditional UPDATE, so repeating it changes nothing; audited when it changed the row."""
    _require_manager(actor)
    updated = (
        type(obj)
        .objects.filter(pk=obj.pk)
        .exclude(archived=archived)
        .update(archived=archived, updated_at=timezone.now())
    )
    obj.refresh_from_db()
    if updated:
        audit_record(actor=actor, action=archive if archived else restore, target=obj)
    return obj


@transaction.atomic
def project_set_archived(*, actor: User, project: Project, archived: bool) -> Project:
    """Archive (no new entries; hidden from USER lists) or restore a project. Idempotent."""
    return _set_archived(actor, project, archived, archive=Action.PROJECT_ARCHIVE, restore=Action.PROJECT_UNARCHIVE)


def _task_name_taken(name: str) -> Conflict:
    return Conflict(
        f"This project already has a task named {name!r}.", code="task_name_taken", fields={"name": ["Taken."]}
    )


@transaction.atomic
def task_create(*, actor: User, project_id: UUID, name: str) -> Task:
    _require_manager(actor)
    project = Project.objects.filter(uuid=project_id).first()
    if project is None:
        raise ValidationFailed("project: No project with this id.", fields={"project": ["No project with this id."]})
    if project.archived:
        raise Conflict(
            f"Project {project.code} is archived.", code="project_archived", fields={"project": ["Archived."]}
        )
    if Task.objects.filter(project=project, name=name).exists():
        raise _task_name_taken(name)
    try:
        with transaction.atomic():
            task = Task.objects.create(project=project, name=name)
    except IntegrityError as exc:
        raise _task_name_taken(name) from exc
    audit_record(actor=actor, action=Action.TASK_CREATE, target=task, changes={"project": project.code, "name": name})
    return task


@transaction.atomic
def task_update(*, actor: User, task: Task, changes: Mapping[str, Any]) -> Task:
    _require_manager(actor)
    task = Task.objects.select_for_update().get(pk=task.pk)
    name = changes.get("name", task.name)
    if name == task.name:
        return task
    if Task.objects.filter(project_id=task.project_id, name=name).exclude(pk=task.pk).exists():
        raise _task_name_taken(name)
    diff = {"name": [task.name, name]}
    task.name = name
    try:
        with transaction.atomic():
            task.save()
    except IntegrityError as exc:
        raise _task_name_taken(name) from exc
    audit_record(actor=actor, action=Action.TASK_UPDATE, target=task, changes=diff)
    return task


@transaction.atomic
def task_set_archived(*, actor: User, task: Task, archived: bool) -> Task:
    """Archive (no new entries) or restore a task. Idempotent."""
    return _set_archived(actor, task, archived, archive=Action.TASK_ARCHIVE, restore=Action.TASK_UNARCHIVE)


def validate_default_project(user: User, changes: Mapping[str, Any]) -> None:
    """Settings validator (registered in TrackingConfig.ready): a user's default project must
    exist and be active."""
    if "default_project" not in changes or changes["default_project"] is None:
        return
    project = Project.objects.filter(uuid=changes["default_project"]).first()
    if project is None:
        raise ValidationFailed(
            "default_project: No project with this id.", fields={"default_project": ["No project with this id."]}
        )
    if project.archived:
        raise ValidationFailed(
            f"default_project: Project {project.code} is archived.",
            fields={"default_project": [f"Project {project.code} is archived."]},
        )
