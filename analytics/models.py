"""Analytics keeps no copy of anyone's time: its rows are the requests around the reports.

ExportJob: a report written to a file in the background, stored through media's storage layer
and removed after EXPORT_RETENTION_HOURS. CalendarFeed: the secret address of a person's
iCalendar feed. ReportShare: a read-only link to a summary report.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"


class ExportKind(models.TextChoices):
    DETAILED = "detailed", "Detailed (one row per entry)"
    SUMMARY = "summary", "Summary (one row per group)"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class ExportJob(models.Model):
    """One background export. `params` are the report's query parameters as the API took them
    (JSON-safe: ISO datetimes, public ids), read again when the job runs, as its owner: the file
    holds what the owner may see at that moment. `key` is where the file is (or will be) stored;
    it is set when the job is made, so media's orphan sweep knows it from the start."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs")
    format = models.CharField(max_length=4, choices=ExportFormat.choices)
    kind = models.CharField(max_length=8, choices=ExportKind.choices)
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=ExportStatus.choices, default=ExportStatus.QUEUED)
    key = models.CharField(max_length=512, unique=True)
    row_count = models.PositiveIntegerField(null=True, blank=True)
    byte_size = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="When the file is removed.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="analytics_export_owner_idx"),
            models.Index(fields=["status", "expires_at"], name="analytics_export_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ExportStatus.values), name="analytics_export_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=ExportStatus.DONE)
                | Q(row_count__isnull=False, byte_size__isnull=False, expires_at__isnull=False),
                name="analytics_export_done_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.format} export of {self.owner} ({self.status})"


class CalendarFeed(models.Model):
    """The secret token in a person's calendar feed URL (`/api/v1/calendar/<token>.ics`). The URL
    is the only credential a calendar program sends, so the token is long and random, and
    rotating it (a new token) is how a leaked URL stops working."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    rotated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(token=""), name="analytics_feed_token_not_empty")]

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"


class ReportShare(models.Model):
    """A summary report anyone with the link may read, until `expires_at` or until revoked.
    `params` are the report's query parameters (JSON-safe, as for exports); the report is
    computed when the link is opened, as the owner would see it then, so a link never shows more
    than its owner may see."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_shares")
    token = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=200, blank=True)
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="analytics_share_owner_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="analytics_share_expires_later"),
            models.CheckConstraint(condition=~Q(token=""), name="analytics_share_token_not_empty"),
        ]

    def __str__(self) -> str:
        return self.title or f"Shared report {self.uuid}"
