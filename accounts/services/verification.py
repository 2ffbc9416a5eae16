"""E-mail verification: proving that an account's owner reads the address it names.

A verification link carries a signed token naming the account and the address it was sent to,
valid EMAIL_VERIFY_TOKEN_SECONDS. Following it (POST /auth/verify-email/ with the token) marks
the address verified. A new account's address is sent one at registration; an address change
(`user_update_profile`) only records the new address as `pending_email` and sends the link
there: the change takes effect when that link is used, and the old address is told.

Group invites sent to an address are claimable only by an account whose verified address is
that one (groups.services.invites): an unverified address proves nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.services.emails import email_changed_notice_send, verification_email_send
from audit.models import Action
from audit.services import audit_record
from config.errors import Conflict, ValidationFailed
from outbox.services import outbox_enqueue

_SALT = "accounts.verify-email"


def verification_token(*, user: User, address: str) -> str:
    return signing.dumps({"u": str(user.uuid), "e": address}, salt=_SALT, compress=False)


def _token_claims(token: str) -> dict[str, Any]:
    try:
        claims = signing.loads(token, salt=_SALT, max_age=settings.EMAIL_VERIFY_TOKEN_SECONDS)
    except (signing.BadSignature, ValueError, TypeError):
        claims = None
    if not isinstance(claims, dict) or not {"u", "e"} <= claims.keys():
        message = "This verification link is not valid or has expired. Ask for a new one."
        raise ValidationFailed(message, code="token_invalid", fields={"token": [message]})
    return claims


def awaits_verification(user: User, address: str) -> bool:
    """Whether a link for `address` would still do something for `user`: verify their current
    address, or make the pending one theirs."""
    return bool(address) and (address == user.pending_email or (address == user.email and not user.email_verified))


def email_verification_queue(*, user: User, address: str) -> None:
    """Queue the verification e-mail for `address` with the caller's transaction (the token is
    made when it is sent, so no working link is ever stored)."""
    outbox_enqueue("accounts.tasks.send_email_verification_task", str(user.uuid), address)


def email_verification_send(*, user_id: str, address: str) -> bool:
    """Send the verification link for `address` (the task's work), unless the account no longer
    waits for it (verified meanwhile, another change asked for, deactivated). True when sent."""
    user = User.objects.filter(uuid=user_id, is_active=True).first()
    if user is None or not awaits_verification(user, address):
        return False
    verification_email_send(
        to=address, token=verification_token(user=user, address=address), change=address != user.email
    )
    return True


@transaction.atomic
def email_verification_request(*, actor: User) -> str:
    """Send the link again: to the pending new address if there is one, else to the account's
    unverified address. Returns the address. 409 `email_already_verified` when nothing waits."""
    user = User.objects.get(pk=actor.pk)
    address = user.pending_email or ("" if user.email_verified else user.email)
    if not address:
        raise Conflict("Your e-mail address is already verified.", code="email_already_verified")
    email_verification_queue(user=user, address=address)
    return address


@transaction.atomic
def email_verify(*, token: str, now: datetime | None = None) -> User:
    """Use a verification link. For the account's own address: it is now verified (using the
    link again changes nothing). For the pending address: it becomes the account's address,
    verified, and the old address is told (409 `email_taken` if another account took it in the
    meantime). 400 `token_invalid` for a forged or expired token, or one no longer current (a
    newer change was asked for). Locks the user row."""
    claims = _token_claims(token)
    address = claims["e"]
    user = User.objects.select_for_update().filter(uuid=claims["u"], is_active=True).first()
    if user is None or not (address == user.email or address == user.pending_email):
        message = "This verification link is no longer current. Ask for a new one."
        raise ValidationFailed(message, code="token_invalid", fields={"token": [message]})
    if address == user.email:
        if not user.email_verified:
            user.email_verified = True
            if user.pending_email == address:
                user.pending_email = ""
            user.save(update_fields=["email_verified", "pending_email"])
            audit_record(actor=user, action=Action.USER_EMAIL_VERIFY, target=user, changes={"email": address}, now=now)
        return user
    if User.objects.filter(email=address).exclude(pk=user.pk).exists():
        raise Conflict("Another account uses this address now.", code="email_taken", fields={"email": ["Taken."]})
    old = user.email
    # Recorded under the address the account had when it made the change.
    audit_record(actor=user, action=Action.USER_EMAIL_CHANGE, target=user, changes={"email": [old, address]}, now=now)
    user.email, user.email_verified, user.pending_email = address, True, ""
    try:
        with transaction.atomic():
            user.save(update_fields=["email", "email_verified", "pending_email"])
    except IntegrityError as exc:
        raise Conflict("Another account uses this address now.", code="email_taken") from exc
    outbox_enqueue("accounts.tasks.send_email_changed_notice_task", old, address)
    return user


def email_changed_notice(*, old_address: str, new_address: str) -> None:
    """Tell the old address that the account now signs in with `new_address` (the task's work)."""
    email_changed_notice_send(to=old_address, new_address=new_address)
