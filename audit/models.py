import uuid

from django.conf import settings
from django.db import models


class Action(models.TextChoices):
    """Every action the audit log records: one registry, so a reader (and the admin's filter)
    knows the whole vocabulary. Audited, by one rule: a change made by someone other than the
    owner of the data, and every change of access (sign-in, roles, memberships, invites, group
    settings, tokens). Names are `<noun>.<verb>`."""

    AUTH_LOGIN = "auth.login", "signed in"
    AUTH_LOGIN_FAILED = "auth.login_failed", "failed sign-in"
    AUTH_LOGOUT = "auth.logout", "signed out"
    AUTH_REVOKE_ALL = "auth.revoke_all", "ended every session"
    AUTH_MFA_CHALLENGE = "auth.mfa_challenge", "password accepted, second factor asked"
    AUTH_MFA_FAILED = "auth.mfa_failed", "wrong two-factor code"
    AUTH_MFA_SETUP = "auth.mfa_setup", "two-factor set-up started"
    AUTH_MFA_ENABLE = "auth.mfa_enable", "two-factor sign-in turned on"
    AUTH_MFA_DISABLE = "auth.mfa_disable", "two-factor sign-in turned off"
    AUTH_MFA_RESET_BY_ADMIN = "auth.mfa_reset_by_admin", "two-factor sign-in reset by an admin"

    USER_REGISTER = "user.register", "registered"
    USER_CREATE = "user.create", "account created by an admin"
    USER_ADMIN_UPDATE = "user.admin_update", "account changed by an admin"
    USER_ROLE_CHANGE = "user.role_change", "role changed"
    USER_PROFILE_UPDATE = "user.profile_update", "profile changed"
    USER_EMAIL_CHANGE = "user.email_change", "e-mail address changed"
    USER_EMAIL_CHANGE_REQUEST = "user.email_change_request", "e-mail change asked for, awaiting verification"
    USER_EMAIL_VERIFY = "user.email_verify", "e-mail address verified"
    USER_PASSWORD_RESET_REQUEST = "user.password_reset_request", "password reset link sent"
    USER_PASSWORD_RESET = "user.password_reset", "password reset by e-mail link"
    USER_PASSWORD_CHANGE = "user.password_change", "password changed"
    USER_PASSWORD_RESET_BY_ADMIN = "user.password_reset_by_admin", "password set by an admin"
    USER_AVATAR_CHANGE = "user.avatar_change", "avatar changed"
    USER_SETTINGS_UPDATE = "user.settings_update", "another user's settings changed"

    IMAGE_DELETE = "image.delete", "image deleted"

    PROJECT_CREATE = "project.create", "project created"
    PROJECT_UPDATE = "project.update", "project changed"
    PROJECT_ARCHIVE = "project.archive", "project archived"
    PROJECT_UNARCHIVE = "project.unarchive", "project restored"
    TASK_CREATE = "task.create", "task created"
    TASK_UPDATE = "task.update", "task changed"
    TASK_ARCHIVE = "task.archive", "task archived"
    TASK_UNARCHIVE = "task.unarchive", "task restored"

    TIME_ENTRY_CREATE_FOR_USER = "time_entry.create_for_user", "entry written for another user"
    TIME_ENTRY_UPDATE = "time_entry.update", "another user's entry changed"
    TIME_ENTRY_REASSIGN = "time_entry.reassign", "entry moved to another project or task"
    TIME_ENTRY_DELETE = "time_entry.delete", "another user's entry deleted"
    TIME_ENTRY_STOP = "time_entry.stop", "another user's timer stopped"
    TIME_ENTRY_AUTO_STOP = "time_entry.auto_stop", "forgotten timer stopped"

    SESSION_UPDATE = "session.update", "another user's session changed"
    SESSION_TRANSITION = "session.transition", "another user's session started, paused, resumed or stopped"
    SESSION_LOG_ADD = "session.log_add", "time logged in another user's session"
    SESSION_DELETE = "session.delete", "another user's session deleted"
    SESSION_PARTICIPANT_CHANGE = "session.participant_change", "participant added or removed by someone else"

    GROUP_UPDATE = "group.update", "group settings changed"
    GROUP_ARCHIVE = "group.archive", "group archived"
    GROUP_CLONE = "group.clone", "group cloned"
    GROUP_MEMBER_ADD = "group.member_add", "member added"
    GROUP_MEMBER_ROLE_CHANGE = "group.member_role_change", "member's role changed"
    GROUP_MEMBER_UPDATE = "group.member_update", "member's personal goal set by someone else"
    GROUP_MEMBER_REMOVE = "group.member_remove", "member removed"
    GROUP_MEMBER_LEAVE = "group.member_leave", "member left"
    GROUP_INVITE_CREATE = "group.invite_create", "invite sent"
    GROUP_INVITE_ACCEPT = "group.invite_accept", "invite accepted"
    GROUP_INVITE_DECLINE = "group.invite_decline", "invite declined"

    LEAVE_REQUEST_APPROVE = "leave_request.approve", "leave request approved"
    LEAVE_REQUEST_REJECT = "leave_request.reject", "leave request rejected"
    LEAVE_REQUEST_CANCEL = "leave_request.cancel", "another user's leave request cancelled"
    LEAVE_ALLOCATION = "leave_ledger.allocate", "leave allocated or adjusted"
    LEAVE_TYPE_CHANGE = "leave_type.change", "leave type created or changed"
    HOLIDAY_CHANGE = "holiday.change", "company holiday created, changed or deleted"
    WORK_PATTERN_CHANGE = "work_pattern.change", "another user's work pattern changed"

    SERVICE_CHANGE = "service.change", "appointment service created or changed"
    AVAILABILITY_CHANGE = "availability.change", "another user's availability changed"
    APPOINTMENT_RESCHEDULE = "appointment.reschedule", "another user's appointment moved"
    APPOINTMENT_CANCEL = "appointment.cancel", "another user's appointment cancelled"
    APPOINTMENT_UPDATE = "appointment.update", "appointment notes changed by an admin"
    APPOINTMENT_STATUS_CHANGE = "appointment.status_change", "appointment confirmed or closed by an admin"

    REPORT_SHARE_CREATE = "report_share.create", "report shared by link"
    REPORT_SHARE_REVOKE = "report_share.revoke", "report link revoked"
    CALENDAR_FEED_CREATE = "calendar_feed.create", "calendar feed link created"
    CALENDAR_FEED_ROTATE = "calendar_feed.rotate", "calendar feed link replaced"


class AuditEvent(models.Model):
    """One security-relevant or data-changing action. Rows are only ever inserted (and purged
    after AUDIT_RETENTION days); PostgreSQL rejects updates with a trigger."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The actor's email at the time, so the trail survives the user's deletion.
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=64, db_index=True)  # an Action value
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        who = self.actor_email or "system"
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {who} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)
