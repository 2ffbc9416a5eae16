"""LockIN's shapes, built from Timekeep's groups, sessions, memberships and notifications.

Where LockIN has a field Timekeep does not keep:
* A group's `start_at` is when it was created; `end_at` is the end of its last active day
  (`ends_on`, in the group's zone). `period` daily/weekly/monthly is day/week/month;
  `period_target_minutes` is the group's goal. Timekeep groups are never `pending`.
* Memberships and participants have no public id of their own: theirs is derived from the group
  (or session) and the user (`uuid5`), stable and unique.
* Session status: planned is `scheduled`, stopped is `ended`.
* An invite is a notification of kind `group_invite`; its status follows the invite (pending,
  or `read` once opened; accepted; declined, revoked or expired are `declined`)."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from rest_framework import serializers

from accounts.models import Notification, User
from config.api.fields import AwareDateTimeField
from groups.models import Group, InviteStatus, Membership, Period
from tracking.models import Session, SessionParticipant, SessionStatus

_when = AwareDateTimeField()
PERIODS = {Period.DAY: "daily", Period.WEEK: "weekly", Period.MONTH: "monthly"}
PERIODS_IN = {client: period for period, client in PERIODS.items()}
SESSION_STATUS = {
    SessionStatus.PLANNED: "scheduled",
    SessionStatus.RUNNING: "running",
    SessionStatus.PAUSED: "paused",
    SessionStatus.STOPPED: "ended",
}
INVITE_KIND = "group.invited"


def iso(value) -> str | None:
    return _when.to_representation(value)


def derived_id(parent_uuid, user: User) -> str:
    return str(uuid.uuid5(parent_uuid, str(user.uuid)))


def profile_json(user: User, avatar_url: str | None) -> dict:
    return {
        "id": str(user.uuid),
        "email": user.email,
        "display_name": user.display_name or None,
        "avatar_url": avatar_url,
    }


def end_at(group: Group) -> str | None:
    """The end of the group's last active day, in its zone."""
    if group.ends_on is None:
        return None
    midnight = datetime.combine(group.ends_on + timedelta(days=1), time(0), tzinfo=ZoneInfo(group.timezone))
    return iso(midnight)


def ends_on(end: datetime, zone_name: str):
    """The last active day of a group ending at `end` (an end at midnight ends the day before)."""
    return (end - timedelta(microseconds=1)).astimezone(ZoneInfo(zone_name)).date()


def group_item_json(group: Group) -> dict:
    return {
        "id": str(group.uuid),
        "owner_id": str(group.owner.uuid),
        "name": group.name,
        "description": group.description or None,
        "start_at": iso(group.created_at),
        "end_at": end_at(group),
        "timezone": group.timezone,
        "period": PERIODS.get(group.period, group.period),
        "period_target_minutes": group.goal_minutes,
        "status": group.status,
        "created_at": iso(group.created_at),
        "updated_at": iso(group.updated_at),
    }


def member_json(membership: Membership, group: Group, profile: dict) -> dict:
    return {
        "id": derived_id(group.uuid, membership.user),
        "group_id": str(group.uuid),
        "user_id": str(membership.user.uuid),
        "role": membership.role,
        "override_period_target_minutes": membership.goal_minutes,
        "user": profile,
    }


def participant_json(participant: SessionParticipant, session: Session, profile: dict) -> dict:
    return {
        "id": derived_id(session.uuid, participant.user),
        "session_id": str(session.uuid),
        "user_id": str(participant.user.uuid),
        "role": "host" if participant.user_id == session.owner_id else "participant",
        "user": profile,
    }


def session_json(session: Session, group_id: str | None, participants: list[dict]) -> dict:
    return {
        "id": str(session.uuid),
        "group_id": group_id,
        "creator_id": str(session.owner.uuid),
        "status": SESSION_STATUS[session.status],
        "started_at": iso(session.started_at),
        "ended_at": iso(session.ended_at),
        "created_at": iso(session.created_at),
        "participants": participants,
    }


def progress_json(group: Group, progress) -> list[dict]:
    return [
        {
            "group_id": str(group.uuid),
            "user_id": str(row.membership.user.uuid),
            "period_start": iso(progress.period_start),
            "period_end": iso(progress.period_end),
            "seconds_done": row.seconds,
            "target_minutes": row.goal_minutes,
            "goal_met": row.minutes >= row.goal_minutes,
        }
        for row in sorted(progress.members, key=lambda row: -row.seconds)
    ]


def notification_status(notification: Notification, invite) -> str:
    if invite is not None and invite.status == InviteStatus.ACCEPTED:
        return "accepted"
    if invite is not None and invite.status != InviteStatus.PENDING:
        return "declined"
    return "read" if notification.read_at else "pending"


def notification_json(notification: Notification, invite, group: dict | None) -> dict:
    payload = notification.payload or {}
    return {
        "id": str(notification.uuid),
        "recipient_id": str(notification.user.uuid),
        "kind": "group_invite" if notification.kind == INVITE_KIND else "generic",
        "status": notification_status(notification, invite),
        "title": notification.message,
        "body": "",
        "group_id": payload.get("group"),
        "created_at": iso(notification.created_at),
        "read_at": iso(notification.read_at),
        "group": group,
    }


class ProfileInput(serializers.Serializer):
    display_name = serializers.CharField(max_length=150, allow_blank=True, allow_null=True, required=False)


class GroupCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, allow_null=True)
    start_at = AwareDateTimeField(required=False, allow_null=True)
    end_at = AwareDateTimeField(required=False, allow_null=True)
    timezone = serializers.CharField(max_length=64, required=False, allow_null=True)
    period = serializers.ChoiceField(choices=list(PERIODS_IN), required=False, default="weekly")
    period_target_minutes = serializers.IntegerField(min_value=1, required=False, default=300)


class GroupListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=["pending", "active", "archived"], required=False)


class SessionCreateInput(serializers.Serializer):
    group_id = serializers.UUIDField(required=False, allow_null=True)
    scheduled_start = AwareDateTimeField(required=False, allow_null=True)
    started_at = AwareDateTimeField(required=False, allow_null=True)


class StatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["scheduled", "running", "paused", "ended", "cancelled"])
    timestamp = AwareDateTimeField(required=False, allow_null=True)


class LogInput(serializers.Serializer):
    user_id = serializers.UUIDField(required=False, allow_null=True)
    started_at = AwareDateTimeField()
    ended_at = AwareDateTimeField()


class InviteInput(serializers.Serializer):
    user_id = serializers.UUIDField(required=False)
    role = serializers.CharField(required=False)
    override_period_target_minutes = serializers.IntegerField(required=False, allow_null=True)


class MemberAddInput(serializers.Serializer):
    user_id = serializers.UUIDField()
    role = serializers.ChoiceField(choices=["owner", "admin", "member"], required=False, default="member")


class MemberUpdateInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=["owner", "admin", "member"], required=False)
    override_period_target_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class NotificationQuery(serializers.Serializer):
    unread = serializers.BooleanField(required=False, allow_null=True, default=None)
    limit = serializers.IntegerField(min_value=1, max_value=100, required=False, default=20)
