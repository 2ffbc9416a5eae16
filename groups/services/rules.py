"""Checks the groups services share: the group lock, who may do what, archived groups, and the
notifications that respect muted memberships."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from accounts.models import User
from accounts.services.notifications import notification_send, notification_send_many
from config.errors import Conflict, NotFound, PermissionDenied
from groups.models import Group, Membership, MembershipRole


def lock_group(group: Group) -> Group:
    """The group reloaded under a row lock: every change to a group, its memberships and its
    invites happens under it, so checks such as "the last owner" cannot race.

    No join here: PostgreSQL re-checks a locked row's join after waiting for the lock, and a
    concurrent change of `owner` would make the row vanish from a joined query."""
    return Group.objects.select_for_update().get(pk=group.pk)


def membership_of(group: Group, user: User) -> Membership | None:
    return Membership.objects.filter(group=group, user=user).first()


def require_member(group: Group, actor: User) -> Membership:
    """`actor`'s membership. A non-member gets a 404 (the group is hidden from them), except an
    ADMIN, who may read every group and so is told they may not act (403)."""
    membership = membership_of(group, actor)
    if membership is None:
        if actor.is_admin_role:
            raise PermissionDenied("Only members of this group can do this.")
        raise NotFound("Group not found.")
    return membership


def require_manager(group: Group, actor: User) -> Membership:
    membership = require_member(group, actor)
    if not membership.is_manager:
        raise PermissionDenied("Only the group's owners and admins can do this.")
    return membership


def require_active(group: Group) -> None:
    if group.is_archived:
        raise Conflict(
            f"The group “{group.name}” is archived; it takes no more changes.",
            code="group_archived",
            extra={"group": str(group.uuid)},
        )


def owner_count(group: Group) -> int:
    return Membership.objects.filter(group=group, role=MembershipRole.OWNER).count()


def sync_primary_owner(group: Group) -> None:
    """Keep `group.owner` on a member with role owner: when it no longer is one, the
    longest-standing remaining owner takes it. The caller holds the group lock."""
    if Membership.objects.filter(group=group, user_id=group.owner_id, role=MembershipRole.OWNER).exists():
        return
    successor = Membership.objects.filter(group=group, role=MembershipRole.OWNER).order_by("joined_at", "pk").first()
    if successor is not None:
        group.owner_id = successor.user_id
        group.save(update_fields=["owner", "updated_at"])


def group_payload(group: Group, **extra: Any) -> dict[str, Any]:
    return {"group": str(group.uuid), "group_name": group.name, **extra}


def notify_member(*, user: User, group: Group, kind: str, message: str, **extra: Any) -> None:
    """A notification about the user's own membership: delivered even if they muted the group."""
    notification_send(user=user, kind=kind, message=message, payload=group_payload(group, **extra))


def notify_members(*, users: Iterable[User], group: Group, kind: str, message: str, **extra: Any) -> None:
    """The same message about their own membership to many users, in one insert."""
    notification_send_many(users=users, kind=kind, message=message, payload=group_payload(group, **extra))


def notify_activity(*, users: Iterable[User], group: Group, kind: str, message: str, **extra: Any) -> None:
    """A notification about the group's activity: members who muted the group do not get it."""
    users = list(users)
    muted = set(Membership.objects.filter(group=group, user__in=users, muted=True).values_list("user_id", flat=True))
    notification_send_many(
        users=[u for u in users if u.pk not in muted], kind=kind, message=message, payload=group_payload(group, **extra)
    )
