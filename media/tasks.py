import logging

from celery import shared_task

from media.services import media_sweep

logger = logging.getLogger(__name__)


@shared_task
def sweep_orphan_media_task() -> dict:
    result = media_sweep()
    logger.info(
        "media sweep: %s expired uploads, %s orphan objects deleted", result.expired_uploads, result.orphan_objects
    )
    return {"expired_uploads": result.expired_uploads, "orphan_objects": result.orphan_objects}
