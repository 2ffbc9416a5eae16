import logging

from celery import shared_task

from groups.services.groups import groups_archive_expired

logger = logging.getLogger(__name__)


@shared_task
def archive_expired_groups_task() -> dict:
    report = groups_archive_expired()
    logger.info("archived %s expired groups, expired %s invites", len(report.archived), report.invites_expired)
    return {"archived_groups": len(report.archived), "expired_invites": report.invites_expired}
