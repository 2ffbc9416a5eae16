"""Password reset by e-mail ("forgot password").

Asking for a reset (`password_reset_request`) answers the same whatever the address: the request
only queues a task with the address, and the task looks the account up and, if there is an
active one, e-mails it a link. So neither the answer nor the work done while answering says
whether an account exists.

The link's token is signed, expires after PASSWORD_RESET_TOKEN_SECONDS and is bound to the
account's current password hash, address and token version: setting the new password (or any
other password change, address change or revoke-all) makes it useless, so it works once.
Setting the password ends every session, like a password change, and marks the address
verified (the link was read there). Two-factor sign-in stays on: the next sign-in still asks
for the code."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import User
from accounts.services.auth import revoke_user_tokens
from accounts.services.emails import password_reset_email_send
from audit.models import Action
from audit.services import audit_record
from config.errors import ValidationFailed
from outbox.services import outbox_enqueue

_SALT = "accounts.password-reset"
_INVALID = "This reset link is not valid, has expired or was already used. Ask for a new one."


def _state(user: User) -> str:
    """What the token is bound to; it changes with the password, the address and the token version."""
    value = f"{user.password}|{user.email}|{user.token_version}"
    return salted_hmac(_SALT, value, algorithm="sha256").hexdigest()[:32]


def password_reset_token(*, user: User) -> str:
    return signing.dumps({"u": str(user.uuid), "s": _state(user)}, salt=_SALT, compress=False)


@transaction.atomic
def password_reset_request(*, email: str, requested_from: str | None = None) -> None:
    """Queue the reset e-mail for `email` (see the module docstring: the same work whether an
    account has the address or not). `requested_from` (the client's IP) goes into the audit row."""
    address = User.objects.normalize_email(email)
    outbox_enqueue("accounts.tasks.send_password_reset_task", address, requested_from)


@transaction.atomic
def password_reset_send(*, address: str, requested_from: str | None = None) -> bool:
    """E-mail a reset link to the active account with `address`, if there is one (the task's
    work); audited. True when sent."""
    user = User.objects.filter(email=address, is_active=True).first()
    if user is None:
        return False
    audit_record(
        actor=None,
        action=Action.USER_PASSWORD_RESET_REQUEST,
        target=user,
        changes={"requested_from": requested_from},
    )
    password_reset_email_send(to=user.email, token=password_reset_token(user=user))
    return True


def _invalid() -> ValidationFailed:
    return ValidationFailed(_INVALID, code="token_invalid", fields={"token": [_INVALID]})


@transaction.atomic
def password_reset_confirm(*, token: str, new_password: str, now: datetime | None = None) -> User:
    """Set a new password with a reset link's token. Ends every session of the account (tokens
    revoked; the cached user refreshed), marks its address verified, and is audited. 400
    `token_invalid` for a forged, expired or used token; 400 on `new_password` when the password
    validators refuse it (the token stays usable). Locks the user row, so of two uses of one
    token exactly one succeeds."""
    try:
        claims = signing.loads(token, salt=_SALT, max_age=settings.PASSWORD_RESET_TOKEN_SECONDS)
    except (signing.BadSignature, ValueError, TypeError):
        raise _invalid() from None
    if not isinstance(claims, dict) or not {"u", "s"} <= claims.keys():
        raise _invalid()
    user = User.objects.select_for_update().filter(uuid=claims["u"], is_active=True).first()
    if user is None or not constant_time_compare(str(claims["s"]), _state(user)):
        raise _invalid()
    try:
        validate_password(new_password, user=user)
    except DjangoValidationError as exc:
        raise ValidationFailed(exc.messages[0], fields={"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.email_verified = True
    user.save(update_fields=["password", "email_verified"])
    revoked = revoke_user_tokens(user)
    audit_record(
        actor=user, action=Action.USER_PASSWORD_RESET, target=user, changes={"refresh_tokens_revoked": revoked}, now=now
    )
    return user
