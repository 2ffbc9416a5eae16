"""Memberships: adding an existing user, roles and personal settings, removing and leaving.

Who may do what:
- owners manage everyone, grant and take away every role (also owner);
- admins add members and admins, promote members to admin, step down themselves, and remove
  members (not admins or owners);
- every member sets their own personal goal and leaves; only they mute the group for themself
  (managers may set anyone's personal goal);
- a group always keeps an owner: the last one cannot step down or leave (409 `last_owner`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import audit_change, audit_record
from config.changes import check_changes
from config.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from groups.models import Group, GroupSession, Membership, MembershipRole
from groups.services.rules import (
    lock_group,
    notify_member,
    owner_count,
    require_active,
    require_manager,
    require_member,
    sync_primary_owner,
)
from tracking.models import SessionParticipant
from tracking.services.participants import session_participant_leave

MEMBERSHIP_UPDATABLE = ("role", "goal_minutes", "muted")


def _check_grant(actor_membership: Membership, role: str) -> None:
    if role == MembershipRole.OWNER and actor_membership.role != MembershipRole.OWNER:
        raise PermissionDenied("Only an owner can make someone an owner.")


@transaction.atomic
def membership_add(
    *, actor: User, group: Group, user_id: UUID, role: str = MembershipRole.MEMBER, now: datetime | None = None
) -> Membership:
    """Add an existing, active account to the group (owners and admins; only an owner adds an
    owner). 409 `already_member`; the added user is told."""
    now = now or timezone.now()
    group = lock_group(group)
    actor_membership = require_manager(group, actor)
    require_active(group)
    _check_grant(actor_membership, role)
    user = User.objects.filter(uuid=user_id, is_active=True).first()
    if user is None:
        raise ValidationFailed("user: No active account with this id.", fields={"user": ["No active account."]})
    if Membership.objects.filter(group=group, user=user).exists():
        raise Conflict(f"{user.email} is already a member of this group.", code="already_member")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(group=group, user=user, role=role, joined_at=now)
    except IntegrityError as exc:
        raise Conflict(f"{user.email} is already a member of this group.", code="already_member") from exc
    audit_record(
        actor=actor,
        action=Action.GROUP_MEMBER_ADD,
        target=group,
        changes={"user": user.email, "role": role},
        now=now,
    )
    notify_member(
        user=user,
        group=group,
        kind="group.member_added",
        message=f"{actor.name} added you to the group “{group.name}”.",
        role=role,
    )
    return membership


def _locked_target(group: Group, membership: Membership) -> Membership:
    target = Membership.objects.select_related("user").filter(pk=membership.pk, group=group).first()
    if target is None:
        raise NotFound("This user is not a member of the group.")
    return target


def _check_role_change(actor_membership: Membership, target: Membership, role: str) -> None:
    if not actor_membership.is_manager:
        raise PermissionDenied("Only the group's owners and admins can change roles.")
    if actor_membership.role == MembershipRole.OWNER:
        return
    _check_grant(actor_membership, role)
    if target.role == MembershipRole.OWNER:
        raise PermissionDenied("Only an owner can change an owner's role.")
    if target.role == MembershipRole.ADMIN and target.pk != actor_membership.pk:
        raise PermissionDenied("Only an owner can change another admin's role.")


@transaction.atomic
def membership_update(
    *,
    actor: User,
    membership: Membership,
    changes: Mapping[str, Any],
    now: datetime | None = None,
) -> Membership:
    """Change a member's role or personal settings (keys from MEMBERSHIP_UPDATABLE;
    `goal_minutes` None: the group's goal). Role changes are audited and the member is told;
    demoting the last owner is a 409. A personal goal set by someone else is audited."""
    check_changes(changes, MEMBERSHIP_UPDATABLE)
    now = now or timezone.now()
    group = lock_group(membership.group)
    target = _locked_target(group, membership)
    actor_membership = require_member(group, actor)
    is_self = target.user_id == actor.pk
    if "muted" in changes and not is_self:
        raise PermissionDenied("Only the member themself can mute or unmute the group.")
    if "goal_minutes" in changes and not (is_self or actor_membership.is_manager):
        raise PermissionDenied("Only the member or the group's owners and admins can set a personal goal.")
    if "role" in changes:
        _check_role_change(actor_membership, target, changes["role"])
    require_active(group)

    if "muted" in changes:
        target.muted = changes["muted"]
    old_goal = target.goal_minutes
    if "goal_minutes" in changes:
        target.goal_minutes = changes["goal_minutes"]
    old_role = target.role
    if "role" in changes and changes["role"] != old_role:
        if old_role == MembershipRole.OWNER and owner_count(group) == 1:
            raise Conflict("This is the group's last owner; make another member an owner first.", code="last_owner")
        target.role = changes["role"]
    target.save()
    if target.goal_minutes != old_goal:
        audit_change(
            actor=actor,
            owner=target.user,
            action=Action.GROUP_MEMBER_UPDATE,
            target=group,
            changes={"user": target.user.email, "goal_minutes": [old_goal, target.goal_minutes]},
            now=now,
        )
    if target.role != old_role:
        sync_primary_owner(group)
        audit_record(
            actor=actor,
            action=Action.GROUP_MEMBER_ROLE_CHANGE,
            target=group,
            changes={"user": target.user.email, "role": [old_role, target.role]},
            now=now,
        )
        if not is_self:
            notify_member(
                user=target.user,
                group=group,
                kind="group.role_changed",
                message=f"{actor.name} made you {target.get_role_display().lower()} of “{group.name}”.",
                role=target.role,
            )
    return target


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership, now: datetime | None = None) -> None:
    """Remove a member, or leave when `actor` is that member. The last owner cannot leave (409
    `last_owner`). The removed member leaves the group's sessions they take part in (their
    running lap there is closed; sessions they own stay theirs). Audited; a removed member
    (not one who left) is told."""
    now = now or timezone.now()
    group = lock_group(membership.group)
    target = _locked_target(group, membership)
    actor_membership = require_member(group, actor)
    leaving = target.user_id == actor.pk
    if not leaving:
        if not actor_membership.is_manager:
            raise PermissionDenied("Only the group's owners and admins can remove members.")
        if actor_membership.role != MembershipRole.OWNER and target.role != MembershipRole.MEMBER:
            raise PermissionDenied("Only an owner can remove an admin or an owner.")
    require_active(group)
    if target.role == MembershipRole.OWNER and owner_count(group) == 1:
        raise Conflict("The last owner cannot leave; make another member an owner first.", code="last_owner")
    target.delete()
    sync_primary_owner(group)
    _leave_group_sessions(group, target.user, now=now)
    audit_record(
        actor=actor,
        action=Action.GROUP_MEMBER_LEAVE if leaving else Action.GROUP_MEMBER_REMOVE,
        target=group,
        changes={"user": target.user.email, "role": target.role},
        now=now,
    )
    if not leaving:
        notify_member(
            user=target.user,
            group=group,
            kind="group.member_removed",
            message=f"{actor.name} removed you from the group “{group.name}”.",
        )


def _leave_group_sessions(group: Group, user: User, *, now: datetime) -> None:
    participations = (
        SessionParticipant.objects.filter(
            user=user,
            left_at__isnull=True,
            session__in=GroupSession.objects.filter(group=group).values("session"),
        )
        .exclude(session__owner=user)
        .select_related("session")
        .order_by("session_id")
    )
    for participation in participations:
        # Tracking lets a participant leave; the member leaves as themself.
        session_participant_leave(actor=user, session=participation.session, user=user, now=now)
