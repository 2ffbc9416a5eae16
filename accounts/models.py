import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.timezone import now

from accounts.validators import validate_country, validate_timezone


class Role(models.TextChoices):
    USER = "USER", "User"
    STAFF = "STAFF", "Staff"
    ADMIN = "ADMIN", "Admin"


ROLE_FLAGS = {
    Role.USER: {"is_staff": False, "is_superuser": False},
    Role.STAFF: {"is_staff": True, "is_superuser": False},
    Role.ADMIN: {"is_staff": True, "is_superuser": True},
}


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        return (email or "").strip().lower()

    def get_by_natural_key(self, username):
        return self.get(email=self.normalize_email(username))

    def create_user(self, email, password=None, *, role=Role.USER, **extra):
        user = self.model(email=self.normalize_email(email), role=role, **extra)
        user.apply_role(role)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.pop("is_staff", None)
        extra.pop("is_superuser", None)
        return self.create_user(email, password, role=Role.ADMIN, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address. `role` decides what they may do; the
    `is_staff`/`is_superuser` flags Django's admin reads always follow it (a check constraint
    holds them together)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(unique=True)
    # Set when the owner of `email` followed a link sent to it (accounts.services.verification).
    email_verified = models.BooleanField(default=False)
    # An address the user asked to change to: it replaces `email` once a link sent to it is used.
    pending_email = models.EmailField(blank=True, default="")
    display_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.USER)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    country = models.CharField(max_length=2, blank=True, validators=[validate_country])
    subdivision = models.CharField(max_length=10, blank=True)
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    # A confirmed media.Image of kind avatar; set and replaced by accounts.services.avatars.
    avatar = models.ForeignKey("media.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Bumped by revoke-all and password changes: tokens carry it and stop working once it moves.
    token_version = models.PositiveIntegerField(default=0, editable=False)
    date_joined = models.DateTimeField(default=now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role=Role.USER, is_staff=False, is_superuser=False)
                | Q(role=Role.STAFF, is_staff=True, is_superuser=False)
                | Q(role=Role.ADMIN, is_staff=True, is_superuser=True),
                name="accounts_role_matches_flags",
            ),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="accounts_email_lowercase"),
            models.CheckConstraint(
                condition=Q(pending_email=Lower("pending_email")), name="accounts_pending_email_lowercase"
            ),
            models.CheckConstraint(condition=~Q(manager=F("pk")), name="accounts_manager_not_self"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def name(self) -> str:
        return self.display_name or self.email.split("@", 1)[0]

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_staff_role(self) -> bool:
        return self.role in (Role.STAFF, Role.ADMIN)

    def apply_role(self, role: str) -> None:
        """Set `role` and the admin flags that follow from it (in memory; the caller saves)."""
        self.role = role
        for flag, value in ROLE_FLAGS[Role(role)].items():
            setattr(self, flag, value)


class TotpDevice(models.Model):
    """An authenticator app (RFC 6238 TOTP) of a user. A user has at most one confirmed device
    (two-factor sign-in is on) and at most one unconfirmed one (set-up started, or a replacement
    waiting for its first code). `last_used_step` is the time step of the last code accepted:
    a code is accepted once, and never one older than it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="totp_devices")
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(confirmed_at__isnull=False), name="accounts_one_confirmed_totp"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(confirmed_at__isnull=True), name="accounts_one_pending_totp"
            ),
        ]

    def __str__(self) -> str:
        state = "confirmed" if self.confirmed_at else "pending"
        return f"Authenticator of {self.user} ({state})"


class RecoveryCode(models.Model):
    """A one-time code that stands in for the authenticator. Only its SHA-256 digest is stored
    (the codes carry 80 random bits, so a digest cannot be reversed by guessing)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "digest"], name="accounts_recovery_code_unique")]

    def __str__(self) -> str:
        return f"Recovery code of {self.user}"


class Theme(models.TextChoices):
    SYSTEM = "system", "Follow the system"
    LIGHT = "light", "Light"
    DARK = "dark", "Dark"


class WeekStart(models.TextChoices):
    MONDAY = "monday", "Monday"
    SUNDAY = "sunday", "Sunday"
    SATURDAY = "saturday", "Saturday"


class TimeFormat(models.TextChoices):
    H24 = "24h", "24-hour"
    H12 = "12h", "12-hour"


def default_notification_preferences() -> dict:
    return {"email": False, "muted_kinds": []}


class UserSettings(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, primary_key=True, related_name="settings")
    theme = models.CharField(max_length=8, choices=Theme.choices, default=Theme.SYSTEM)
    week_start = models.CharField(max_length=8, choices=WeekStart.choices, default=WeekStart.MONDAY)
    time_format = models.CharField(max_length=3, choices=TimeFormat.choices, default=TimeFormat.H24)
    # Public id of a tracking project; tracking validates it (accounts does not know projects).
    default_project = models.UUIDField(null=True, blank=True)
    # {"email": bool, "muted_kinds": [notification kind, ...]}, validated by the settings service.
    notification_preferences = models.JSONField(default=default_notification_preferences)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "user settings"

    def __str__(self) -> str:
        return f"Settings of {self.user}"

    @property
    def email_notifications(self) -> bool:
        return bool(self.notification_preferences.get("email", False))

    def is_muted(self, kind: str) -> bool:
        return kind in self.notification_preferences.get("muted_kinds", [])


class ClientPreferences(models.Model):
    """Display preferences that one of the client apps keeps for a user (JLC's amounts, breaks
    and reminders, say): a small JSON object whose keys and values that client's adapter
    defines. Timekeep reads nothing in it; `accounts.services.preferences` bounds its size."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="client_preferences")
    # The client's short name, as its tokens carry it (`jlc`).
    client = models.CharField(max_length=32)
    data = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "client preferences"
        constraints = [
            models.UniqueConstraint(fields=["user", "client"], name="accounts_client_preferences_unique"),
            models.CheckConstraint(
                condition=Q(client__regex=r"^[a-z0-9][a-z0-9_-]*$"), name="accounts_client_preferences_client_slug"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} preferences of {self.user}"


class Notification(models.Model):
    """One message in a user's inbox. Every app writes these through
    `accounts.services.notifications.notification_send`."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=64)
    message = models.CharField(max_length=500)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="accounts_notif_user_idx"),
            models.Index(
                fields=["user", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="accounts_notif_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
