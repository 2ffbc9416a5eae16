"""The account e-mails (address verification, password reset, address changed) and the links
they carry into the single-page app: `{FRONTEND_URL}/verify-email?token=...` and
`{FRONTEND_URL}/reset-password?token=...`. The app posts the token back to the API.

These are sent by Celery tasks queued through the outbox (accounts.tasks), never inside a
request: without a mail server (`make run`) the console backend prints them."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMessage


def frontend_link(path: str, token: str) -> str:
    return f"{settings.FRONTEND_URL}/{path}?{urlencode({'token': token})}"


def account_email_send(*, to: str, subject: str, body: str) -> None:
    """Send one plain-text e-mail; a mail server that cannot be reached raises OSError (the task
    retries)."""
    EmailMessage(
        subject=f"[{settings.APP_NAME}] {subject}",
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    ).send()


def _duration(seconds: int) -> str:
    if seconds % 86400 == 0:
        days = seconds // 86400
        return f"{days} day{'s' if days != 1 else ''}"
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def verification_email_send(*, to: str, token: str, change: bool) -> None:
    link = frontend_link("verify-email", token)
    purpose = "make it your sign-in address" if change else "confirm your address"
    account_email_send(
        to=to,
        subject="Confirm your e-mail address",
        body=(
            f"Open this link to {purpose} on {settings.APP_NAME}:\n\n{link}\n\n"
            f"It works for {_duration(settings.EMAIL_VERIFY_TOKEN_SECONDS)}. "
            "If you did not ask for this, ignore this message."
        ),
    )


def password_reset_email_send(*, to: str, token: str) -> None:
    link = frontend_link("reset-password", token)
    account_email_send(
        to=to,
        subject="Reset your password",
        body=(
            f"Someone (we hope you) asked to reset the password of your {settings.APP_NAME} account.\n\n"
            f"Choose a new password here:\n\n{link}\n\n"
            f"The link works once, for {_duration(settings.PASSWORD_RESET_TOKEN_SECONDS)}. Setting a new password "
            "signs you out everywhere. If you did not ask for this, ignore this message: your password stays."
        ),
    )


def email_changed_notice_send(*, to: str, new_address: str) -> None:
    account_email_send(
        to=to,
        subject="Your sign-in address was changed",
        body=(
            f"The {settings.APP_NAME} account that used this address now signs in with {new_address}.\n\n"
            "If you did not make this change, contact your administrator at once."
        ),
    )
