"""Reads for exports: how big a report is, who sees which export job, and the download link."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from analytics.models import ExportJob, ExportStatus
from analytics.selectors.scope import ReportQuery, report_entries
from media.storage import SignedUrl, media_storage


def detailed_rows_exceed(query: ReportQuery, limit: int) -> bool:
    """Whether the report has more than `limit` entries, counting at most limit + 1 of them (one
    query that stops early, not a COUNT of everything)."""
    return report_entries(query).order_by()[: limit + 1].count() > limit


def export_job_list(*, actor: User) -> QuerySet[ExportJob]:
    """The actor's own export jobs, newest first (nobody sees another person's exports)."""
    return ExportJob.objects.filter(owner=actor)


def export_download(*, job: ExportJob, now: datetime | None = None) -> SignedUrl | None:
    """A presigned GET link to a finished job's file, valid MEDIA_URL_EXPIRE_SECONDS or until
    the file expires, whichever is sooner; None unless the job is done. Signing is local
    computation: no query, no network."""
    now = now or timezone.now()
    if job.status != ExportStatus.DONE or job.expires_at is None or job.expires_at <= now:
        return None
    seconds = min(settings.MEDIA_URL_EXPIRE_SECONDS, int((job.expires_at - now).total_seconds()))
    return media_storage().signed_url(job.key, expires_in=max(1, seconds), now=now)
