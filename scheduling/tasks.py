import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def send_appointment_reminders_task() -> int:
    from scheduling.services.reminders import appointment_reminders_send

    sent = appointment_reminders_send()
    logger.info("sent %s appointment reminders", sent)
    return sent
