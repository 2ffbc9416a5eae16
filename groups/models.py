import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.timezone import now

from accounts.validators import validate_timezone

# The longest goal: every minute of a 31-day month.
MAX_GOAL_MINUTES = 31 * 24 * 60


class GroupStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ARCHIVED = "archived", "Archived"


class Period(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week (Monday to Sunday)"
    MONTH = "month", "Calendar month"


class MembershipRole(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


MANAGER_ROLES = (MembershipRole.OWNER, MembershipRole.ADMIN)


class InviteStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class Group(models.Model):
    """A focus group: members who share a goal of minutes per period (day, week or month in the
    group's time zone) and work in group sessions.

    `owner` is the primary owner: always a member with role owner (the services move it to the
    longest-standing remaining owner when that member steps down or leaves). An archived group
    refuses every write; it stays readable. `ends_on` is the last local day the group is active."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    # PROTECT: an account that owns a group cannot be deleted before ownership is handed over.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_groups")
    status = models.CharField(max_length=8, choices=GroupStatus.choices, default=GroupStatus.ACTIVE)
    goal_minutes = models.PositiveIntegerField(default=300, help_text="Minutes each member aims for per period.")
    period = models.CharField(max_length=5, choices=Period.choices, default=Period.WEEK)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    ends_on = models.DateField(null=True, blank=True, help_text="Last active day, in the group's time zone.")
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["status", "ends_on"], name="groups_group_expiry_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=GroupStatus.values), name="groups_group_status_valid"),
            models.CheckConstraint(condition=Q(period__in=Period.values), name="groups_group_period_valid"),
            models.CheckConstraint(
                condition=Q(goal_minutes__gte=1, goal_minutes__lte=MAX_GOAL_MINUTES), name="groups_group_goal_range"
            ),
            models.CheckConstraint(
                condition=Q(status=GroupStatus.ARCHIVED, archived_at__isnull=False)
                | Q(status=GroupStatus.ACTIVE, archived_at__isnull=True),
                name="groups_group_archived_at_iff_archived",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="groups_group_name_not_blank"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.status == GroupStatus.ARCHIVED


class Membership(models.Model):
    """A user in a group, with their role and personal settings: a goal that overrides the
    group's (null: the group's goal) and `muted`, which silences notifications about the group's
    activity (not those about their own membership)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships")
    role = models.CharField(max_length=6, choices=MembershipRole.choices, default=MembershipRole.MEMBER)
    goal_minutes = models.PositiveIntegerField(null=True, blank=True, help_text="Personal goal; empty: the group's.")
    muted = models.BooleanField(default=False)
    joined_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["joined_at", "id"]
        indexes = [models.Index(fields=["user", "group"], name="groups_membership_user_idx")]
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="groups_membership_unique"),
            models.CheckConstraint(condition=Q(role__in=MembershipRole.values), name="groups_membership_role_valid"),
            models.CheckConstraint(
                condition=Q(goal_minutes__isnull=True) | Q(goal_minutes__gte=1, goal_minutes__lte=MAX_GOAL_MINUTES),
                name="groups_membership_goal_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.group} ({self.role})"

    @property
    def is_manager(self) -> bool:
        return self.role in MANAGER_ROLES


class Invite(models.Model):
    """An invitation to join a group, addressed to an account (`invitee`) or to an email address
    without one yet. `email` is always filled (the account's address at invite time), so an
    address invited before it had an account finds the invite once it registers.

    At most one pending invite per group and person: two partial unique constraints, one on the
    account and one on the address."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invites")
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="group_invites"
    )
    email = models.EmailField()
    status = models.CharField(max_length=8, choices=InviteStatus.choices, default=InviteStatus.PENDING)
    created_at = models.DateTimeField(default=now, editable=False)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True, help_text="When it stopped being pending.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["invitee", "status"], name="groups_invite_invitee_idx"),
            models.Index(fields=["email", "status"], name="groups_invite_email_idx"),
            models.Index(fields=["status", "expires_at"], name="groups_invite_expiry_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "invitee"],
                condition=Q(status=InviteStatus.PENDING, invitee__isnull=False),
                name="groups_invite_one_pending_per_user",
            ),
            models.UniqueConstraint(
                fields=["group", "email"],
                condition=Q(status=InviteStatus.PENDING),
                name="groups_invite_one_pending_per_email",
            ),
            models.CheckConstraint(condition=Q(status__in=InviteStatus.values), name="groups_invite_status_valid"),
            models.CheckConstraint(
                condition=~Q(email="") & Q(email=Lower("email")), name="groups_invite_email_lowercase"
            ),
            models.CheckConstraint(
                condition=Q(status=InviteStatus.PENDING, responded_at__isnull=True)
                | (~Q(status=InviteStatus.PENDING) & Q(responded_at__isnull=False)),
                name="groups_invite_responded_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.group} ({self.status})"


class GroupSession(models.Model):
    """Links a tracking session to the group it was started in. Tracking knows nothing of groups;
    groups sees its sessions through this table and guards writes to them."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="group_sessions")
    session = models.OneToOneField("tracking.Session", on_delete=models.CASCADE, related_name="group_link")
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["group", "-created_at"], name="groups_session_group_idx")]

    def __str__(self) -> str:
        return f"{self.session} in {self.group}"
