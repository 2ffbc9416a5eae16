import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone


class Project(models.Model):
    """Something time is booked against. Archived projects keep their entries but take no new ones."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^[A-Z0-9][A-Z0-9_.-]*$", "Upper-case letters, digits and _ . - only.")],
        help_text="Short upper-case code, e.g. BASEBALL.",
    )
    name = models.CharField(max_length=200)
    color = models.CharField(
        max_length=7,
        default="#607D8B",
        validators=[RegexValidator(r"^#[0-9A-Fa-f]{6}$", "A colour like #1E88E5.")],
        help_text="#RRGGBB",
    )
    billable = models.BooleanField(default=True, help_text="Default for new entries on this project.")
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code=Upper("code")), name="tracking_project_code_upper"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class Task(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="tasks")
    name = models.CharField(max_length=200)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="tracking_task_name_unique_per_project"),
        ]

    def __str__(self) -> str:
        return self.name


class SessionStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    STOPPED = "stopped", "Stopped"


class Session(models.Model):
    """A work or focus session made of laps (time entries with `session` set).

    `status` follows planned → running ⇄ paused → stopped; a running session has exactly one
    open lap, which is also its owner's running timer. `started_at` is the start of the first
    lap; `ended_at` is set when the session stops."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tracking_sessions")
    title = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=SessionStatus.choices, default=SessionStatus.PLANNED)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="tracking_session_owner_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=SessionStatus.values), name="tracking_session_status_valid"),
            models.CheckConstraint(
                condition=Q(status=SessionStatus.STOPPED, ended_at__isnull=False)
                | (~Q(status=SessionStatus.STOPPED) & Q(ended_at__isnull=True)),
                name="tracking_session_ended_iff_stopped",
            ),
            models.CheckConstraint(
                condition=Q(started_at__isnull=True) | Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="tracking_session_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Session {self.uuid}"


class SessionParticipant(models.Model):
    """Who takes part in a session. The owner joins when the session is created; the groups app
    adds members through `session_participant_join`."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="session_participations")
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="tracking_participant_unique"),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=F("joined_at")),
                name="tracking_participant_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.session}"


class TimeEntry(models.Model):
    """One interval of work. `end` is null while the entry is a running timer. Laps (Just Like
    Clockwork) and time logs (LockIN) are entries with `session` set, so every report counts the
    same rows.

    The database holds the rules it can: end after start, at most one running entry per user
    (partial unique index, SQLite and PostgreSQL), and on PostgreSQL no two `exclusive` entries of
    one user overlap (exclusion constraint `tracking_entry_no_overlap`, added in migration 0002
    because SQLite cannot express it). `exclusive` is False for rows written while
    TIME_ENTRY_ALLOW_OVERLAP was on, so those rows never block others."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Indexed through (user, start) below; a separate user index would be redundant.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="time_entries", db_index=False
    )
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.PROTECT, related_name="entries")
    activity = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True)
    billable = models.BooleanField(default=False)
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.CASCADE, related_name="laps")
    exclusive = models.BooleanField(default=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name_plural = "time entries"
        indexes = [
            models.Index(fields=["user", "start"], name="tracking_entry_user_start_idx"),
            models.Index(fields=["start"], name="tracking_entry_start_idx"),
            # The few rows outside the no-overlap rule, by user: a window's loose entries that
            # start before it are found without scanning the user's earlier entries.
            models.Index(fields=["user", "start"], condition=Q(exclusive=False), name="tracking_entry_loose_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=F("start")), name="tracking_entry_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(end__isnull=True), name="tracking_one_running_entry_per_user"
            ),
            models.CheckConstraint(
                condition=Q(task__isnull=True) | Q(project__isnull=False), name="tracking_entry_task_has_project"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_running(self) -> bool:
        return self.end is None

    def duration_seconds(self, now=None) -> int:
        end = self.end or now or timezone.now()
        return max(0, int((end - self.start).total_seconds()))


class LapImage(models.Model):
    """Which lap an image belongs to (media stores the image and knows nothing of laps).

    Deleting the lap — directly, with its session, or with its user — deletes this link, and
    tracking.signals then deletes the image, whose object media removes after commit."""

    lap = models.ForeignKey(TimeEntry, on_delete=models.CASCADE, related_name="images")
    image = models.OneToOneField("media.Image", on_delete=models.CASCADE, related_name="lap_link")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Image {self.image_id} of lap {self.lap_id}"
