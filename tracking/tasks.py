import logging

from celery import shared_task

from tracking.services.timers import timers_stop_forgotten

logger = logging.getLogger(__name__)


@shared_task
def stop_forgotten_timers_task() -> int:
    stopped = timers_stop_forgotten()
    logger.info("auto-stopped %s forgotten timers", stopped)
    return stopped
