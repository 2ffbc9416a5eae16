"""Two-factor sign-in: TOTP authenticators (RFC 6238, through pyotp), one-time recovery codes, and
the challenge that stands between a correct password and the tokens.

A user enrols by asking for a secret (`mfa_totp_start`), adding it to an authenticator app, and
sending the first code (`mfa_totp_confirm`): that turns two-factor sign-in on and returns ten
recovery codes, shown this once and stored as digests. From then on a correct password gives a
challenge instead of tokens (accounts.services.auth), and the challenge plus a current code (or an
unused recovery code) gives the tokens. With REQUIRE_2FA_FOR_STAFF, STAFF and ADMIN accounts
without an authenticator get an enrolment challenge instead: they set one up before they are
signed in at all.

Codes are checked with the device row locked: a TOTP code is accepted once (its time step must
be later than the last one accepted), a recovery code is marked used by a conditional UPDATE.
Every step writes an audit row."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyotp
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from accounts.models import RecoveryCode, TotpDevice, User
from audit.models import Action
from audit.services import audit_record
from config.errors import AuthenticationRequired, Conflict, PermissionDenied, ValidationFailed

RECOVERY_CODE_COUNT = 10
# 16 characters of base32: 80 random bits per code.
_RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_RECOVERY_LENGTH = 16
_CHALLENGE_SALT = "accounts.mfa.challenge"
# A code from the previous or the next 30-second step is accepted too (clock drift, typing time).
VALID_WINDOW = 1

VERIFY = "verify"
ENROL = "enrol"


class InvalidCode(ValidationFailed, code="invalid_code"):
    """The code is neither the authenticator's current one nor an unused recovery code."""


class ChallengeInvalid(AuthenticationRequired, code="challenge_invalid"):
    """The sign-in challenge is unknown, expired, or was issued before the account changed."""


class CodeRefused(AuthenticationRequired, code="invalid_code"):
    """A wrong code at sign-in: not signed in (401)."""


# --- Policy -----------------------------------------------------------------------------------


def mfa_enabled(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def mfa_required(user: User) -> bool:
    """REQUIRE_2FA_FOR_STAFF makes two-factor sign-in mandatory for STAFF and ADMIN."""
    return bool(settings.REQUIRE_2FA_FOR_STAFF) and user.is_staff_role


def mfa_sign_in_step(user: User) -> str | None:
    """What a correct password still needs: VERIFY (a code), ENROL (setting up an authenticator
    first: the role requires one), or None (nothing: sign in)."""
    if mfa_enabled(user):
        return VERIFY
    if mfa_required(user):
        return ENROL
    return None


def mfa_enrolment_missing(user: User) -> bool:
    """The account's role requires two-factor sign-in and it has no authenticator."""
    return mfa_required(user) and not mfa_enabled(user)


# --- The sign-in challenge --------------------------------------------------------------------


@dataclass(frozen=True)
class Challenge:
    """What a correct password earns an account that needs a second factor: a signed value the
    client sends back with the code. `step` is VERIFY or ENROL."""

    token: str
    step: str
    expires_in: int


def mfa_challenge_issue(*, user: User, step: str) -> Challenge:
    """Sign a challenge for `user` (valid MFA_CHALLENGE_SECONDS, and only while the account's
    token version stands: a password change, reset or revoke-all ends it) and audit it."""
    payload = {"u": str(user.uuid), "v": user.token_version, "s": step, "n": secrets.token_urlsafe(8)}
    token = signing.dumps(payload, salt=_CHALLENGE_SALT, compress=False)
    audit_record(actor=user, action=Action.AUTH_MFA_CHALLENGE, target=user, changes={"step": step})
    return Challenge(token=token, step=step, expires_in=settings.MFA_CHALLENGE_SECONDS)


def challenge_claims(token: str) -> dict[str, Any] | None:
    """The payload of a well-signed, unexpired challenge, without touching the database (the
    per-account rate limit is keyed on it before any work is done); None otherwise."""
    try:
        payload = signing.loads(token, salt=_CHALLENGE_SALT, max_age=settings.MFA_CHALLENGE_SECONDS)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return payload if isinstance(payload, dict) and {"u", "v", "s"} <= payload.keys() else None


def mfa_challenge_user(*, token: str, step: str) -> User:
    """The active account a challenge was issued to, for `step`. 401 `challenge_invalid` for a
    forged, expired or outdated challenge, one issued for the other step, or an ENROL challenge
    of an account that has an authenticator by now."""
    claims = challenge_claims(token)
    if claims is None or claims["s"] != step:
        raise ChallengeInvalid("This sign-in has expired or is not valid. Sign in again.")
    user = User.objects.filter(uuid=claims["u"], is_active=True).first()
    if user is None or user.token_version != claims["v"]:
        raise ChallengeInvalid("This sign-in has expired or is not valid. Sign in again.")
    if step == ENROL and not mfa_enrolment_missing(user):
        # Set up meanwhile (or no longer required): an enrol challenge must not replace it.
        raise ChallengeInvalid("This sign-in has expired or is not valid. Sign in again.")
    return user


# --- Checking a code --------------------------------------------------------------------------


def _normalise_recovery(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _digest(code: str) -> str:
    return hashlib.sha256(_normalise_recovery(code).encode()).hexdigest()


def _looks_like_totp(code: str) -> bool:
    code = code.strip().replace(" ", "")
    return len(code) == 6 and code.isdigit()


def _totp(device: TotpDevice) -> pyotp.TOTP:
    return pyotp.TOTP(device.secret)


def _accept_totp(device: TotpDevice, code: str, now: datetime) -> bool:
    """True and the step recorded when `code` is current for the (locked) device and newer than
    the last code it accepted."""
    try:
        step = _totp(device).verify_and_get_timecode(
            code.strip().replace(" ", ""), for_time=now, valid_window=VALID_WINDOW
        )
    except pyotp.exceptions.OTPVerificationError:
        return False
    if step <= device.last_used_step:
        return False  # a replay of a code already used
    device.last_used_step = step
    device.save(update_fields=["last_used_step"])
    return True


def _use_recovery_code(user: User, code: str, now: datetime) -> bool:
    if len(_normalise_recovery(code)) != _RECOVERY_LENGTH:
        return False
    return bool(RecoveryCode.objects.filter(user=user, digest=_digest(code), used_at__isnull=True).update(used_at=now))


def _confirmed_device(user: User, *, lock: bool) -> TotpDevice | None:
    devices = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False)
    if lock:
        devices = devices.select_for_update()
    return devices.first()


def mfa_check_code(*, user: User, code: str, now: datetime | None = None) -> str | None:
    """Check a second-factor code for `user` inside the caller's transaction: the authenticator's
    current code (accepted once) or an unused recovery code (used up). Returns the method that
    matched ("totp" or "recovery_code"), or None. Locks the device row."""
    now = now or timezone.now()
    device = _confirmed_device(user, lock=True)
    if device is None:
        return None
    if _looks_like_totp(code):
        return "totp" if _accept_totp(device, code, now) else None
    return "recovery_code" if _use_recovery_code(user, code, now) else None


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def mfa_code_failed(*, user: User, via: str) -> None:
    """Audit a wrong code. Callers call it outside their transaction, so the row stays although
    they raise next."""
    audit_record(actor=user, action=Action.AUTH_MFA_FAILED, target=user, changes={"via": via})


# --- Enrolment ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TotpSetup:
    secret: str
    otpauth_uri: str


@transaction.atomic
def mfa_totp_start(*, actor: User, now: datetime | None = None) -> TotpSetup:
    """Start setting up an authenticator: a new secret (replacing any set-up not yet confirmed).
    With two-factor sign-in already on, the new authenticator replaces the current one only once
    its first code is confirmed."""
    now = now or timezone.now()
    User.objects.select_for_update().filter(pk=actor.pk).first()  # one set-up at a time per account
    TotpDevice.objects.filter(user=actor, confirmed_at__isnull=True).delete()
    device = TotpDevice.objects.create(user=actor, secret=pyotp.random_base32(), created_at=now)
    audit_record(actor=actor, action=Action.AUTH_MFA_SETUP, target=actor, now=now)
    uri = _totp(device).provisioning_uri(name=actor.email, issuer_name=settings.MFA_ISSUER)
    return TotpSetup(secret=device.secret, otpauth_uri=uri)


def _new_recovery_codes(user: User, now: datetime) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
    RecoveryCode.objects.bulk_create(RecoveryCode(user=user, digest=_digest(c), created_at=now) for c in codes)
    return codes


def mfa_totp_confirm(*, actor: User, code: str, now: datetime | None = None) -> list[str]:
    """Confirm the authenticator being set up with its current code: two-factor sign-in is on
    (a previous authenticator is replaced) and ten new recovery codes replace any earlier ones.
    Returns the codes, in clear for this once. 409 `mfa_setup_missing` without a set-up under
    way; 400 `invalid_code` for a wrong code (audited; call outside a transaction so that row
    stays, as the API does)."""
    codes = _totp_confirm(actor, code, now or timezone.now())
    if codes is None:
        mfa_code_failed(user=actor, via="setup")
        raise InvalidCode("That code is not the authenticator's current one.", fields={"code": ["Not valid."]})
    return codes


@transaction.atomic
def _totp_confirm(actor: User, code: str, now: datetime) -> list[str] | None:
    User.objects.select_for_update().filter(pk=actor.pk).first()  # one set-up at a time per account
    device = TotpDevice.objects.select_for_update().filter(user=actor, confirmed_at__isnull=True).first()
    if device is None:
        raise Conflict("Start the set-up first: POST /api/v1/auth/mfa/totp/.", code="mfa_setup_missing")
    if not _looks_like_totp(code) or not _accept_totp(device, code, now):
        return None
    replaced = TotpDevice.objects.filter(user=actor, confirmed_at__isnull=False).delete()[0] > 0
    device.confirmed_at = now
    device.save(update_fields=["confirmed_at"])
    codes = _new_recovery_codes(actor, now)
    audit_record(actor=actor, action=Action.AUTH_MFA_ENABLE, target=actor, changes={"replaced": replaced}, now=now)
    return codes


def mfa_totp_disable(*, actor: User, code: str, now: datetime | None = None) -> None:
    """Turn two-factor sign-in off with a current code or a recovery code: the authenticator and
    the recovery codes are deleted. 409 `mfa_not_enabled` when it is off; 409 `mfa_required`
    when the account's role requires it (set up a new authenticator to replace it instead);
    400 `invalid_code` for a wrong code (audited; call outside a transaction)."""
    if not _totp_disable(actor, code, now or timezone.now()):
        mfa_code_failed(user=actor, via="disable")
        raise InvalidCode("That code is neither current nor an unused recovery code.", fields={"code": ["Not valid."]})


@transaction.atomic
def _totp_disable(actor: User, code: str, now: datetime) -> bool:
    if _confirmed_device(actor, lock=True) is None:
        raise Conflict("Two-factor sign-in is not on.", code="mfa_not_enabled")
    if mfa_required(actor):
        raise Conflict(
            "Two-factor sign-in is required for STAFF and ADMIN accounts. To change authenticators, "
            "set up the new one (POST /api/v1/auth/mfa/totp/): it replaces the old one once confirmed.",
            code="mfa_required",
        )
    method = mfa_check_code(user=actor, code=code, now=now)
    if method is None:
        return False
    TotpDevice.objects.filter(user=actor).delete()
    RecoveryCode.objects.filter(user=actor).delete()
    audit_record(actor=actor, action=Action.AUTH_MFA_DISABLE, target=actor, changes={"with": method}, now=now)
    return True


@transaction.atomic
def mfa_reset_by_admin(*, actor: User, user: User, now: datetime | None = None) -> bool:
    """An ADMIN removes someone's authenticator and recovery codes (a lost phone and lost codes).
    Returns whether there was anything to remove. The person sets up a new one at their next
    sign-in when their role requires it."""
    if not actor.is_admin_role:
        raise PermissionDenied("Only an ADMIN can reset two-factor sign-in.")
    removed = TotpDevice.objects.filter(user=user).delete()[0] > 0
    RecoveryCode.objects.filter(user=user).delete()
    if removed:
        audit_record(actor=actor, action=Action.AUTH_MFA_RESET_BY_ADMIN, target=user, now=now)
    return removed


@dataclass(frozen=True)
class MfaStatus:
    enabled: bool
    required: bool
    confirmed_at: datetime | None
    recovery_codes_left: int


def mfa_status(*, user: User) -> MfaStatus:
    device = _confirmed_device(user, lock=False)
    return MfaStatus(
        enabled=device is not None,
        required=mfa_required(user),
        confirmed_at=device.confirmed_at if device else None,
        recovery_codes_left=recovery_codes_left(user) if device else 0,
    )
