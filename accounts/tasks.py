import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage

from accounts.models import Notification
from accounts.services.recovery import password_reset_send
from accounts.services.verification import email_changed_notice, email_verification_send

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


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email_verification_task(user_id: str, address: str) -> bool:
    """E-mail the verification link for `address` to it, if the account still waits for it."""
    return email_verification_send(user_id=user_id, address=address)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email_changed_notice_task(old_address: str, new_address: str) -> None:
    """Tell an account's former address that it now signs in with `new_address`."""
    email_changed_notice(old_address=old_address, new_address=new_address)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_password_reset_task(address: str, requested_from: str | None = None) -> bool:
    """E-mail a password reset link to the active account with `address`, if there is one."""
    return password_reset_send(address=address, requested_from=requested_from)
