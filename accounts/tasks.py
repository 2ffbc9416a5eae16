import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage

from accounts.models import Notification

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_emails_task(notification_ids: list[str], attachments: list[list[str]] | None = None) -> int:
    """E-mail each notification to its user, with the attachments ([file name, content, MIME type])
    if any; notifications deleted meanwhile are skipped."""
    sent = 0
    for notification in Notification.objects.filter(uuid__in=notification_ids).select_related("user"):
        email = EmailMessage(
            subject=f"[{settings.APP_NAME}] {notification.message[:70]}",
            body=notification.message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.user.email],
        )
        for name, content, mimetype in attachments or ():
            email.attach(name, content, mimetype)
        email.send()
        sent += 1
    return sent
