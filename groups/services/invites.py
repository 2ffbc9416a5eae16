"""Invitations: sent by a group's owners and admins to an account or an email address,
accepted or declined by the person invited, revoked by the group's managers, expired after
GROUP_INVITE_EXPIRE_DAYS (by `groups_archive_expired`) or when the group is archived."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import audit_record
from config.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from groups.models import Group, Invite, InviteStatus, Membership, MembershipRole
from groups.services.rules import (
    lock_group,
    membership_of,
    notify_activity,
    notify_member,
    require_active,
    require_manager,
)


def is_addressed_to(invite: Invite, user: User) -> bool:
    """An invite is for `user` when it names their account, or names their address and no
    account (it was sent before they registered or verified it) and they have verified that
    address: an address anyone can type into a profile proves nothing."""
    if invite.invitee_id is not None:
        return invite.invitee_id == user.pk
    return user.email_verified and invite.email == user.email


def _invitee(user_id: UUID | None, email: str | None) -> tuple[User | None, str]:
    if (user_id is None) == (not email):
        raise ValidationFailed(
            "Give exactly one of user and email.", fields={"user": ["Give exactly one of user and email."]}
        )
    if user_id is not None:
        user = User.objects.filter(uuid=user_id, is_active=True).first()
        if user is None:
            raise ValidationFailed("user: No active account with this id.", fields={"user": ["No active account."]})
        return user, user.email
    address = User.objects.normalize_email(email)
    # Bound to the account only when its owner verified the address; otherwise the invite waits
    # for whoever verifies it (is_addressed_to).
    return User.objects.filter(email=address, email_verified=True).first(), address


@transaction.atomic
def invite_create(
    *,
    actor: User,
    group: Group,
    user_id: UUID | None = None,
    email: str | None = None,
    now: datetime | None = None,
) -> Invite:
    """Invite an account (`user_id`) or an address (`email`; bound to the account that has it
    and has verified it, if any). Owners and admins of an active group only. 409 `already_member`, or
    `invite_pending` while an earlier invite for the same person is still open (an open invite
    past its expiry is expired first). The invitee, if they have an account, is told."""
    now = now or timezone.now()
    group = lock_group(group)
    require_manager(group, actor)
    require_active(group)
    user, address = _invitee(user_id, email)
    if user is not None and membership_of(group, user) is not None:
        raise Conflict(f"{address} is already a member of this group.", code="already_member")
    same_person = Q(email=address) | Q(invitee=user) if user is not None else Q(email=address)
    pending = Invite.objects.filter(same_person, group=group, status=InviteStatus.PENDING)
    pending.filter(expires_at__lte=now).update(status=InviteStatus.EXPIRED, responded_at=now)
    if pending.exists():
        raise Conflict(f"{address} already has a pending invite to this group.", code="invite_pending")
    try:
        with transaction.atomic():
            invite = Invite.objects.create(
                group=group,
                inviter=actor,
                invitee=user,
                email=address,
                created_at=now,
                expires_at=now + timedelta(days=settings.GROUP_INVITE_EXPIRE_DAYS),
            )
    except IntegrityError as exc:
        raise Conflict(f"{address} already has a pending invite to this group.", code="invite_pending") from exc
    audit_record(actor=actor, action=Action.GROUP_INVITE_CREATE, target=invite, changes={"email": address}, now=now)
    if user is not None:
        notify_member(
            user=user,
            group=group,
            kind="group.invited",
            message=f"{actor.name} invited you to join the group “{group.name}”.",
            invite=str(invite.uuid),
        )
    return invite


def _locked_invite(invite: Invite) -> tuple[Group, Invite]:
    group = lock_group(invite.group)
    return group, Invite.objects.select_related("group", "inviter", "invitee").get(pk=invite.pk)


def _check_pending(invite: Invite, now: datetime) -> None:
    if invite.status != InviteStatus.PENDING:
        raise Conflict(
            f"This invite is {invite.status}; it can no longer be answered.",
            code="invite_not_pending",
            extra={"status": invite.status},
        )
    if invite.expires_at <= now:
        raise Conflict("This invite has expired.", code="invite_expired", extra={"status": InviteStatus.EXPIRED})


@transaction.atomic
def invite_accept(*, actor: User, invite: Invite, now: datetime | None = None) -> Invite:
    """The invitee joins the group as a member (already being one is fine). 409 when the invite
    is no longer pending, has expired, or the group is archived. The inviter is told."""
    now = now or timezone.now()
    group, invite = _locked_invite(invite)
    if not is_addressed_to(invite, actor):
        raise PermissionDenied("Only the person invited can accept this invite.")
    _check_pending(invite, now)
    require_active(group)
    Membership.objects.get_or_create(
        group=group, user=actor, defaults={"role": MembershipRole.MEMBER, "joined_at": now}
    )
    _answer(invite, actor=actor, status=InviteStatus.ACCEPTED, action=Action.GROUP_INVITE_ACCEPT, now=now)
    _tell_inviter(invite, actor, "accepted")
    return invite


@transaction.atomic
def invite_decline(*, actor: User, invite: Invite, now: datetime | None = None) -> Invite:
    """The invitee declines (the inviter is told), or one of the group's owners or admins
    revokes the invite (the invitee is told). Anyone else: 404 if they cannot see the invite."""
    now = now or timezone.now()
    group, invite = _locked_invite(invite)
    if is_addressed_to(invite, actor):
        _check_pending(invite, now)
        _answer(invite, actor=actor, status=InviteStatus.DECLINED, action=Action.GROUP_INVITE_DECLINE, now=now)
        _tell_inviter(invite, actor, "declined")
        return invite
    manager = membership_of(group, actor)
    if manager is None:
        raise NotFound("Invite not found.")
    require_manager(group, actor)
    _check_pending(invite, now)
    _answer(invite, actor=actor, status=InviteStatus.REVOKED, action=Action.GROUP_INVITE_DECLINE, now=now)
    if invite.invitee is not None:
        notify_member(
            user=invite.invitee,
            group=group,
            kind="group.invite_revoked",
            message=f"Your invite to the group “{group.name}” was withdrawn.",
            invite=str(invite.uuid),
        )
    return invite


def _answer(invite: Invite, *, actor: User, status: str, action: Action, now: datetime) -> None:
    """Close a pending invite with `status` and audit it. The person invited answering also
    binds the invite to their account; a manager revoking it leaves `invitee` as it was."""
    old_status = invite.status
    invite.status, invite.responded_at = status, now
    if status != InviteStatus.REVOKED:
        invite.invitee = actor
    invite.save(update_fields=["invitee", "status", "responded_at"])
    audit_record(
        actor=actor,
        action=action,
        target=invite,
        changes={"email": invite.email, "status": [old_status, status]},
        now=now,
    )


def _tell_inviter(invite: Invite, invitee: User, answer: str) -> None:
    """A reply goes to the inviter unless they left the group or muted it."""
    inviter = invite.inviter
    if inviter is None or membership_of(invite.group, inviter) is None:
        return
    notify_activity(
        users=[inviter],
        group=invite.group,
        kind=f"group.invite_{answer}",
        message=f"{invitee.name} {answer} your invite to “{invite.group.name}”.",
        invite=str(invite.uuid),
    )
