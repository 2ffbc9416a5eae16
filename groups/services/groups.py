"""Groups themselves: creation, settings, cloning, archiving and the expiry of ended groups."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import audit_record
from config.changes import check_changes
from config.errors import PermissionDenied, ValidationFailed
from groups.models import Group, GroupStatus, Invite, InviteStatus, Membership, MembershipRole, Period
from groups.services.rules import lock_group, notify_activity, notify_members, require_active, require_manager

logger = logging.getLogger(__name__)

SETTINGS_FIELDS = ("name", "description", "goal_minutes", "period", "timezone", "ends_on")


def local_today(zone_name: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(zone_name)).date()


def _check_ends_on(ends_on: date | None, zone_name: str, now: datetime) -> None:
    if ends_on is not None and ends_on < local_today(zone_name, now):
        raise ValidationFailed(
            "ends_on: Cannot be in the past (in the group's time zone).",
            fields={"ends_on": ["Cannot be in the past (in the group's time zone)."]},
        )


@transaction.atomic
def group_create(
    *,
    actor: User,
    name: str,
    description: str = "",
    goal_minutes: int = 300,
    period: str = Period.WEEK,
    timezone_name: str | None = None,
    ends_on: date | None = None,
    now: datetime | None = None,
) -> Group:
    """Create an active group; `actor` becomes its owner. The time zone defaults to the actor's."""
    now = now or timezone.now()
    zone_name = timezone_name or actor.timezone or "UTC"
    _check_ends_on(ends_on, zone_name, now)
    group = Group.objects.create(
        name=name,
        description=description,
        owner=actor,
        goal_minutes=goal_minutes,
        period=period,
        timezone=zone_name,
        ends_on=ends_on,
        created_at=now,
    )
    Membership.objects.create(group=group, user=actor, role=MembershipRole.OWNER, joined_at=now)
    return group


@transaction.atomic
def group_update(*, actor: User, group: Group, changes: Mapping[str, Any], now: datetime | None = None) -> Group:
    """Change the group's settings (keys from SETTINGS_FIELDS; `timezone` is the zone's name).
    Owners and admins only; an archived group refuses (409)."""
    check_changes(changes, SETTINGS_FIELDS)
    now = now or timezone.now()
    group = lock_group(group)
    require_manager(group, actor)
    require_active(group)
    if "ends_on" in changes or "timezone" in changes:
        _check_ends_on(changes.get("ends_on", group.ends_on), changes.get("timezone", group.timezone), now)
    changed = {
        name: [_audit_value(getattr(group, name)), _audit_value(value)]
        for name, value in changes.items()
        if getattr(group, name) != value
    }
    for name, value in changes.items():
        setattr(group, name, value)
    group.save()
    if changed:
        audit_record(actor=actor, action=Action.GROUP_UPDATE, target=group, changes=changed, now=now)
    return group


def _audit_value(value: Any) -> Any:
    """A setting as the audit row's JSON holds it (a date as ISO 8601)."""
    return value.isoformat() if isinstance(value, date) else value


@transaction.atomic
def group_clone(
    *,
    actor: User,
    group: Group,
    name: str | None = None,
    ends_on: date | None = None,
    now: datetime | None = None,
) -> Group:
    """A new active group with the same settings and members (roles and personal settings kept),
    and none of the sessions or invites. `actor`, an owner or admin of the original, owns the
    copy. Cloning only reads the original, so an archived group can be cloned into a fresh one;
    its end date is not copied (it has usually passed). Copied members are told."""
    now = now or timezone.now()
    source = lock_group(group)
    require_manager(source, actor)
    _check_ends_on(ends_on, source.timezone, now)
    clone = Group.objects.create(
        name=name or f"{source.name} (copy)"[:200],
        description=source.description,
        owner=actor,
        goal_minutes=source.goal_minutes,
        period=source.period,
        timezone=source.timezone,
        ends_on=ends_on,
        created_at=now,
    )
    members = list(Membership.objects.filter(group=source).select_related("user"))
    Membership.objects.bulk_create(
        Membership(
            group=clone,
            user=m.user,
            role=MembershipRole.OWNER if m.user_id == actor.pk else m.role,
            goal_minutes=m.goal_minutes,
            muted=m.muted,
            joined_at=now,
        )
        for m in members
    )
    notify_members(
        users=[m.user for m in members if m.user_id != actor.pk],
        group=clone,
        kind="group.member_added",
        message=f"{actor.name} added you to “{clone.name}”, a copy of “{source.name}”.",
    )
    audit_record(
        actor=actor,
        action=Action.GROUP_CLONE,
        target=clone,
        changes={"source": str(source.uuid), "members": len(members)},
        now=now,
    )
    return clone


def _archive_now(group: Group, *, actor: User | None, now: datetime, reason: str, **still: Any) -> bool:
    """Archive an active group by a conditional UPDATE (also requiring the field values in
    `still`), expire its pending invites, notify its members and audit it. False, with nothing
    done, when the row no longer matched: of two runs at once, exactly one archives and notifies."""
    if not Group.objects.filter(pk=group.pk, status=GroupStatus.ACTIVE, **still).update(
        status=GroupStatus.ARCHIVED, archived_at=now, updated_at=now
    ):
        return False
    group.status, group.archived_at = GroupStatus.ARCHIVED, now
    expired = Invite.objects.filter(group=group, status=InviteStatus.PENDING).update(
        status=InviteStatus.EXPIRED, responded_at=now
    )
    members = User.objects.filter(group_memberships__group=group)
    notify_activity(
        users=members,
        group=group,
        kind="group.archived",
        message=f"The group “{group.name}” was archived{reason}. It stays readable but takes no more changes.",
    )
    audit_record(
        actor=actor,
        action=Action.GROUP_ARCHIVE,
        target=group,
        changes={"reason": reason.strip() or "manual", "invites_expired": expired},
        now=now,
    )
    return True


@transaction.atomic
def group_archive(*, actor: User, group: Group, now: datetime | None = None) -> Group:
    """Archive a group now (the admin console's action): an ADMIN or one of the group's owners.
    409 if it is archived already."""
    now = now or timezone.now()
    group = lock_group(group)
    if not actor.is_admin_role and not group.memberships.filter(user=actor, role=MembershipRole.OWNER).exists():
        raise PermissionDenied("Only an ADMIN or an owner of the group can archive it.")
    require_active(group)
    _archive_now(group, actor=actor, now=now, reason="")
    return group


@dataclass(frozen=True)
class ExpiryReport:
    archived: list[Group] = field(default_factory=list)
    invites_expired: int = 0


def groups_archive_expired(*, now: datetime | None = None) -> ExpiryReport:
    """Archive every active group whose `ends_on` has passed and expire every pending invite past
    its `expires_at`. A group ending on day D is active through all of D in its own time zone and
    is archived once that zone's date is after D.

    Each group is archived in its own transaction by a conditional UPDATE that also requires the
    end date it was selected with: a second run, a run at the same time, or an owner moving the
    end date meanwhile archives nothing twice and notifies nobody twice."""
    now = now or timezone.now()
    # No zone's date is later than UTC+14's: a group ending on or after it has not ended anywhere.
    latest_date = (now + timedelta(hours=14)).date()
    candidates = list(Group.objects.filter(status=GroupStatus.ACTIVE, ends_on__lt=latest_date).order_by("pk"))
    archived = []
    for group in candidates:
        if local_today(group.timezone, now) <= group.ends_on:
            continue
        reason = f" because it ended on {group.ends_on:%Y-%m-%d}"
        with transaction.atomic():
            if _archive_now(group, actor=None, now=now, reason=reason, ends_on=group.ends_on):
                archived.append(group)
    expired = Invite.objects.filter(status=InviteStatus.PENDING, expires_at__lte=now).update(
        status=InviteStatus.EXPIRED, responded_at=now
    )
    if archived or expired:
        logger.info("archived %s expired groups, expired %s invites", len(archived), expired)
    return ExpiryReport(archived=archived, invites_expired=expired)
