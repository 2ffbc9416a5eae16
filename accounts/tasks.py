import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from accounts.models import Notification

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_emails_task(notification_ids: list[str]) -> int:
    """E-mail each notification to its user; notifications deleted meanwhile are skipped."""
    sent = 0
    for notification in Notification.objects.filter(uuid__in=notification_ids).select_related("user"):
        send_mail(
            subject=f"[{settings.APP_NAME}] {notification.message[:70]}",
            message=notification.message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.user.email],
        )
        sent += 1
    return sent
