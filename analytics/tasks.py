import logging

from celery import shared_task

from analytics.services.exports import export_job_run, export_jobs_expire

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def export_run_task(job_id: int) -> str | None:
    job = export_job_run(job_id=job_id)
    return job.status if job else None


@shared_task
def expire_exports_task() -> dict:
    result = export_jobs_expire()
    logger.info("exports: %(expired)s files expired, %(abandoned)s stalled jobs failed", result)
    return result
