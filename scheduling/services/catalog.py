"""Services (the appointment types customers book): ADMINs create and change them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from audit.models import Action
from audit.services import audit_record
from config.changes import check_changes
from config.errors import PermissionDenied, ValidationFailed
from scheduling.models import Service

SERVICE_FIELDS = (
    "name",
    "description",
    "duration_minutes",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "min_notice_minutes",
    "horizon_days",
    "slot_step_minutes",
    "requires_confirmation",
    "location",
    "active",
)
UPDATABLE_FIELDS = (*SERVICE_FIELDS, "staff")


def check_admin(actor: User) -> None:
    if not actor.is_admin_role:
        raise PermissionDenied("Only ADMIN accounts manage services.")


def resolve_staff(staff_ids: Sequence[UUID]) -> list[User]:
    """The STAFF or ADMIN accounts with these public ids; a 400 naming any other."""
    wanted = {str(i) for i in staff_ids}
    found = list(User.objects.filter(uuid__in=wanted, is_active=True, role__in=(Role.STAFF, Role.ADMIN)))
    missing = sorted(wanted - {str(u.uuid) for u in found})
    if missing:
        message = f"Not an active STAFF or ADMIN account: {', '.join(missing)}."
        raise ValidationFailed(f"staff: {message}", fields={"staff": [message]})
    return found


def _shown(value: Any) -> Any:
    return value if isinstance(value, (bool, int, str)) or value is None else str(value)


@transaction.atomic
def service_create(*, actor: User, staff: Sequence[UUID] = (), now: datetime | None = None, **fields: Any) -> Service:
    """A new service (fields of SERVICE_FIELDS; `staff`: public ids of who offers it). Audited."""
    check_admin(actor)
    check_changes(fields, SERVICE_FIELDS)
    members = resolve_staff(staff)
    now = now or timezone.now()
    service = Service.objects.create(created_at=now, **fields)
    service.staff.set(members)
    audit_record(
        actor=actor,
        action=Action.SERVICE_CHANGE,
        target=service,
        changes={
            "created": {name: _shown(value) for name, value in fields.items()},
            "staff": [u.email for u in members],
        },
        now=now,
    )
    return service


@transaction.atomic
def service_update(
    *, actor: User, service: Service, changes: Mapping[str, Any], now: datetime | None = None
) -> Service:
    """Change a service (a changes mapping over UPDATABLE_FIELDS; `staff` replaces who offers it).
    Booked appointments keep their times and buffers. Audited."""
    check_admin(actor)
    check_changes(changes, UPDATABLE_FIELDS)
    service = Service.objects.select_for_update().get(pk=service.pk)
    audited: dict[str, Any] = {}
    for name, value in changes.items():
        if name != "staff" and getattr(service, name) != value:
            audited[name] = [_shown(getattr(service, name)), _shown(value)]
            setattr(service, name, value)
    if audited:
        service.save(update_fields=[*audited, "updated_at"])
    if "staff" in changes:
        members = resolve_staff(changes["staff"])
        before = sorted(service.staff.values_list("email", flat=True))
        after = sorted(u.email for u in members)
        if before != after:
            service.staff.set(members)
            audited["staff"] = [before, after]
    if audited:
        audit_record(actor=actor, action=Action.SERVICE_CHANGE, target=service, changes=audited, now=now)
    return service
