"""Background exports: a job per request, a Celery task that writes the file through media's
storage layer, and the hourly job that removes files after EXPORT_RETENTION_HOURS.

The file is written to a temporary file first (CSV row by row, XLSX in constant memory) and
then stored under the job's key, so memory stays flat however large the report. Each job runs
once: the task claims it with a conditional UPDATE (queued → running), so a task delivered twice
does nothing the second time.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from analytics.exports import Table, csv_write, detailed_csv_table, detailed_table, summary_table, xlsx_write
from analytics.models import ExportFormat, ExportJob, ExportKind, ExportStatus
from analytics.selectors.scope import params_from_json, params_to_json, report_query
from analytics.selectors.summary import summary_report
from config.errors import ApplicationError, Conflict
from media.services import object_delete_after_commit
from media.storage import media_storage, storage_errors, validate_key
from outbox.services import outbox_enqueue

logger = logging.getLogger(__name__)

CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv",
    ExportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ACTIVE = (ExportStatus.QUEUED, ExportStatus.RUNNING)


def export_table(
    *, actor: User, kind: str, file_format: str, params: Mapping[str, Any], now: datetime | None = None
) -> Table:
    """The table an export of `kind` writes as `file_format`, for the validated report
    parameters `params`, as `actor` sees it. Raises NotFound for a user in `users` outside the
    actor's scope."""
    query = report_query(actor=actor, params=params, now=now)
    if kind == ExportKind.SUMMARY:
        return summary_table(summary_report(query=query, group=params["group"], sub_group=params.get("sub_group")))
    return detailed_csv_table(query) if file_format == ExportFormat.CSV else detailed_table(query)


@transaction.atomic
def export_job_create(
    *, actor: User, format: str, kind: str, params: Mapping[str, Any], now: datetime | None = None
) -> ExportJob:
    """Queue a background export of the report `params` describe (validated parameters). Locks
    the actor's row, so the limit of EXPORT_MAX_PENDING queued or running jobs holds under
    concurrent requests (a 409 `export_busy` beyond it). The task goes through the outbox: it
    is sent after the commit, or later by the outbox's drain if the broker is down."""
    list(User.objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True))
    pending = ExportJob.objects.filter(owner=actor, status__in=ACTIVE).count()
    if pending >= settings.EXPORT_MAX_PENDING:
        raise Conflict(
            f"You already have {pending} exports waiting; try again when one is done.",
            code="export_busy",
        )
    job = ExportJob(owner=actor, format=format, kind=kind, params=params_to_json(params))
    job.created_at = now or timezone.now()
    job.key = validate_key(f"exports/{actor.uuid}/{job.uuid}.{format}")
    job.save(force_insert=True)
    outbox_enqueue("analytics.tasks.export_run_task", job.pk)
    return job


def export_job_run(*, job_id: int, now: datetime | None = None) -> ExportJob | None:
    """Write the job's file and store it; None when the job is not queued any more (already
    run, or run by another delivery of the task). A refused report (the owner may no longer see
    a user it names, the account is closed) or a storage outage marks the job failed with the
    reason; the file of a failed job is not kept."""
    started = now or timezone.now()
    if not ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, started_at=started
    ):
        return None
    job = ExportJob.objects.select_related("owner").get(pk=job_id)
    try:
        if not job.owner.is_active:
            raise Conflict("The account that asked for this export is closed.", code="account_inactive")
        table = export_table(
            actor=job.owner, kind=job.kind, file_format=job.format, params=params_from_json(job.params), now=started
        )
        with tempfile.TemporaryFile() as handle:
            (xlsx_write if job.format == ExportFormat.XLSX else csv_write)(table, handle)
            size = handle.tell()
            handle.seek(0)
            _store(job.key, handle, CONTENT_TYPES[job.format])
    except Exception as exc:
        message = exc.message if isinstance(exc, ApplicationError) else "The export could not be written."
        if not isinstance(exc, ApplicationError):
            logger.exception("export %s failed", job.uuid)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, error=message[:500], finished_at=timezone.now()
        )
        object_delete_after_commit(job.key)
        job.refresh_from_db()
        return job
    finished = timezone.now()
    ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
        status=ExportStatus.DONE,
        row_count=table.row_count,
        byte_size=size,
        finished_at=finished,
        expires_at=finished + timedelta(hours=settings.EXPORT_RETENTION_HOURS),
    )
    job.refresh_from_db()
    return job


def _store(key: str, handle, content_type: str) -> None:
    content = File(handle, name=key)
    content.content_type = content_type  # S3 sends it as the object's Content-Type
    with storage_errors():
        stored = media_storage().save(validate_key(key), content)
    if stored != key:
        raise RuntimeError(f"storage renamed {key!r} to {stored!r}")


def export_jobs_expire(*, now: datetime | None = None) -> dict[str, int]:
    """Remove the files of finished jobs whose time is up (the job stays, as `expired`), and
    fail jobs that were queued or running for far longer than any export takes (their worker
    died). Each job in its own transaction with a conditional UPDATE, so a repeated or
    concurrent run removes nothing twice. Files go after each commit."""
    now = now or timezone.now()
    expired = 0
    due = ExportJob.objects.filter(status=ExportStatus.DONE, expires_at__lte=now).values_list("pk", "key")
    for pk, key in due.iterator():
        with transaction.atomic():
            if ExportJob.objects.filter(pk=pk, status=ExportStatus.DONE).update(status=ExportStatus.EXPIRED):
                object_delete_after_commit(key)
                expired += 1
    stalled_before = now - timedelta(seconds=2 * settings.CELERY_TASK_TIME_LIMIT)
    abandoned = ExportJob.objects.filter(status__in=ACTIVE, created_at__lt=stalled_before).update(
        status=ExportStatus.FAILED, error="The export did not finish; ask for it again.", finished_at=now
    )
    return {"expired": expired, "abandoned": abandoned}


def export_keys_in_use(keys: list[str]) -> list[str]:
    """For media's orphan sweep (hook `media.keys_in_use`): keys of export files still wanted."""
    return list(
        ExportJob.objects.filter(key__in=keys, status__in=(*ACTIVE, ExportStatus.DONE)).values_list("key", flat=True)
    )
