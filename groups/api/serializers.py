"""Input serializers check shape and types; output serializers shape responses. Rules that depend
on stored data (roles, archived groups, pending invites) live in the services."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.validators import validate_timezone
from config.api.fields import AwareDateTimeField
from groups.models import MAX_GOAL_MINUTES, Group, GroupStatus, Invite, Membership, MembershipRole, Period
from tracking.models import Session, SessionStatus


def _goal_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_GOAL_MINUTES, **kwargs)


class GroupUserOutput(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    email = serializers.EmailField()
    display_name = serializers.CharField(source="name")


# --- Groups ---------------------------------------------------------------------------------


class GroupCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    goal_minutes = _goal_field(required=False, default=300, help_text="Minutes each member aims for per period.")
    period = serializers.ChoiceField(choices=Period.choices, required=False, default=Period.WEEK)
    timezone = serializers.CharField(
        max_length=64, required=False, validators=[validate_timezone], help_text="IANA zone; default: yours."
    )
    ends_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Last active day (in the group's zone)."
    )


class GroupUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    goal_minutes = _goal_field(required=False)
    period = serializers.ChoiceField(choices=Period.choices, required=False)
    timezone = serializers.CharField(max_length=64, required=False, validators=[validate_timezone])
    ends_on = serializers.DateField(required=False, allow_null=True, help_text="Null: the group does not end.")


class GroupCloneInput(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False, help_text="Default: the original's, plus (copy).")
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)


class GroupOutput(serializers.ModelSerializer):
    """A group as `groups.selectors.group_list` annotates it."""

    id = serializers.UUIDField(source="uuid")
    owner = GroupUserOutput(help_text="The primary owner.")
    status = serializers.ChoiceField(choices=GroupStatus.choices)
    member_count = serializers.IntegerField()
    my_role = serializers.ChoiceField(
        choices=MembershipRole.choices, allow_null=True, help_text="Your role; null when you are not a member."
    )
    created_at = AwareDateTimeField()
    updated_at = AwareDateTimeField()
    archived_at = AwareDateTimeField(allow_null=True)

    class Meta:
        model = Group
        fields = [
            "id",
            "name",
            "description",
            "owner",
            "status",
            "goal_minutes",
            "period",
            "timezone",
            "ends_on",
            "member_count",
            "my_role",
            "created_at",
            "updated_at",
            "archived_at",
        ]
        read_only_fields = fields


# --- Members --------------------------------------------------------------------------------


class MembershipOutput(serializers.ModelSerializer):
    user = GroupUserOutput()
    goal_minutes = serializers.IntegerField(allow_null=True, help_text="Personal goal; null: the group's.")
    effective_goal_minutes = serializers.SerializerMethodField()
    joined_at = AwareDateTimeField()

    class Meta:
        model = Membership
        fields = ["user", "role", "goal_minutes", "effective_goal_minutes", "muted", "joined_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_effective_goal_minutes(self, membership: Membership) -> int:
        return membership.goal_minutes or membership.group.goal_minutes


class MembershipAddInput(serializers.Serializer):
    user = serializers.UUIDField(help_text="The account to add.")
    role = serializers.ChoiceField(
        choices=MembershipRole.choices, required=False, default=MembershipRole.MEMBER, help_text="Owner: owners only."
    )


class MembershipUpdateInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=MembershipRole.choices, required=False)
    goal_minutes = _goal_field(required=False, allow_null=True, help_text="Null: use the group's goal.")
    muted = serializers.BooleanField(required=False, help_text="Only the member themself can set this.")


# --- Invites --------------------------------------------------------------------------------


class InviteCreateInput(serializers.Serializer):
    user = serializers.UUIDField(required=False, help_text="An account to invite; or give `email`.")
    email = serializers.EmailField(max_length=254, required=False, help_text="An address, with or without account.")

    def validate(self, attrs):
        if ("user" in attrs) == ("email" in attrs):
            raise serializers.ValidationError({"user": ["Give exactly one of user and email."]})
        return attrs


class InviteGroupOutput(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    name = serializers.CharField()
    status = serializers.ChoiceField(choices=GroupStatus.choices)


class InviteOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    group = InviteGroupOutput()
    inviter = GroupUserOutput(allow_null=True, help_text="Null when that account was deleted.")
    invitee = serializers.UUIDField(source="invitee.uuid", allow_null=True, default=None)
    created_at = AwareDateTimeField()
    expires_at = AwareDateTimeField()
    responded_at = AwareDateTimeField(allow_null=True)

    class Meta:
        model = Invite
        fields = ["id", "group", "inviter", "invitee", "email", "status", "created_at", "expires_at", "responded_at"]
        read_only_fields = fields


# --- Group sessions -------------------------------------------------------------------------


class GroupSessionCreateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class GroupSessionOutput(serializers.ModelSerializer):
    """A group session in brief; `GET /sessions/{id}/` has its laps."""

    id = serializers.UUIDField(source="uuid")
    owner = GroupUserOutput()
    status = serializers.ChoiceField(choices=SessionStatus.choices)
    start_utc = AwareDateTimeField(source="started_at", allow_null=True)
    end_utc = AwareDateTimeField(source="ended_at", allow_null=True)
    participant_count = serializers.IntegerField(help_text="Participants who have not left.")
    created_at = AwareDateTimeField()

    class Meta:
        model = Session
        fields = ["id", "owner", "title", "notes", "status", "start_utc", "end_utc", "participant_count", "created_at"]
        read_only_fields = fields


class GroupSessionParticipantOutput(serializers.Serializer):
    session = serializers.UUIDField(source="session.uuid")
    user = GroupUserOutput()
    joined_at = AwareDateTimeField()
    left_at = AwareDateTimeField(allow_null=True)


# --- Progress -------------------------------------------------------------------------------


class MemberProgressOutput(serializers.Serializer):
    user = GroupUserOutput(source="membership.user")
    role = serializers.ChoiceField(source="membership.role", choices=MembershipRole.choices)
    rank = serializers.IntegerField(help_text="1 = most minutes; equal minutes share a rank (1, 2, 2, 4).")
    minutes = serializers.IntegerField(help_text="Whole minutes in the group's sessions this period.")
    seconds = serializers.IntegerField()
    goal_minutes = serializers.IntegerField(help_text="Personal goal, else the group's.")
    percent = serializers.IntegerField(help_text="floor(100 × minutes / goal); may exceed 100.")
    goal_met = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_goal_met(self, row) -> bool:
        return row.minutes >= row.goal_minutes


class GroupProgressOutput(serializers.Serializer):
    group = serializers.UUIDField(source="group.uuid")
    period = serializers.ChoiceField(source="group.period", choices=Period.choices)
    timezone = serializers.CharField(source="group.timezone")
    period_start = AwareDateTimeField(help_text="Local midnight starting the period, in UTC.")
    period_end = AwareDateTimeField(help_text="Local midnight ending it (exclusive), in UTC.")
    as_of = AwareDateTimeField(help_text="Running laps count up to this time.")
    members = MemberProgressOutput(many=True)


# --- Maintenance ----------------------------------------------------------------------------


class ArchiveExpiredOutput(serializers.Serializer):
    archived_groups = serializers.IntegerField()
    groups = serializers.ListField(child=serializers.UUIDField(), help_text="Ids of the groups archived now.")
    expired_invites = serializers.IntegerField()
