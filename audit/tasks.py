import logging

from celery import shared_task

from audit.services import audit_purge

logger = logging.getLogger(__name__)


@shared_task
def purge_audit_log_task() -> int:
    deleted = audit_purge()
    logger.info("purged %s audit events", deleted)
    return deleted
