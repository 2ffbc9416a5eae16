from celery import shared_task

from scheduling.services.reminders import appointment_reminders_send


@shared_task
def send_appointment_reminders_task() -> int:
    """Every few minutes (CELERY_BEAT_SCHEDULE): the reminders that are due."""
    return appointment_reminders_send()
