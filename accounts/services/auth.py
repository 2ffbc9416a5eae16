"""Sign-up, sign-in and the token life cycle."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone as dj_timezone
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.models import User, UserSettings
from accounts.services.mfa import (
    ENROL,
    VERIFY,
    Challenge,
    CodeRefused,
    TotpSetup,
    mfa_challenge_issue,
    mfa_challenge_user,
    mfa_check_code,
    mfa_code_failed,
    mfa_enrolment_missing,
    mfa_sign_in_step,
    mfa_totp_confirm,
    mfa_totp_start,
    recovery_codes_left,
)
from accounts.services.verification import email_verification_queue
from accounts.tokens import TokenPair, issue_token_pair, verified_claims
from accounts.validators import check_location
from audit.models import Action
from audit.services import audit_record
from config.api.authentication import csrf_digest
from config.api.token_denylist import access_token_deny
from config.api.user_cache import forget_user
from config.errors import AuthenticationRequired, Conflict, ValidationFailed


@transaction.atomic
def user_register(
    *,
    email: str,
    password: str,
    display_name: str = "",
    timezone: str = "UTC",
    country: str = "",
    subdivision: str = "",
    client: str | None = None,
) -> tuple[User, TokenPair]:
    """Create a USER account with default settings and sign it in (`client`: see
    access_token_issue)."""
    email = User.objects.normalize_email(email)
    check_location(country, subdivision)
    candidate = User(email=email, display_name=display_name)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise ValidationFailed(exc.messages[0], fields={"password": exc.messages}) from exc
    if User.objects.filter(email=email).exists():
        raise Conflict("An account with this email already exists.", code="email_taken", fields={"email": ["Taken."]})
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                password,
                display_name=display_name,
                timezone=timezone,
                country=country,
                subdivision=subdivision,
            )
    except IntegrityError as exc:  # a concurrent sign-up with the same email won
        raise Conflict("An account with this email already exists.", code="email_taken") from exc
    UserSettings.objects.create(user=user)
    audit_record(actor=user, action=Action.USER_REGISTER, target=user)
    email_verification_queue(user=user, address=user.email)
    return user, issue_token_pair(user, client=client)


def auth_login(*, email: str, password: str, client: str | None = None) -> tuple[User, TokenPair]:
    """Check credentials and issue a token pair. A failure is audited (outside any transaction,
    so the record stays) and answered with one message whether the email exists or not.
    `client`: see access_token_issue.

    An account that signs in with a second factor (or must set one up first) is refused here
    with 401 `mfa_required`: only the canonical login (`auth_sign_in`) hands out the challenge
    that completes it. The seed-client adapters call this one."""
    user = _credentials_user(email, password)
    step = mfa_sign_in_step(user)
    if step is not None:
        audit_record(actor=None, action=Action.AUTH_LOGIN_FAILED, actor_email=user.email, changes={"mfa": step})
        raise AuthenticationRequired(
            "This account signs in with a second factor: use POST /api/v1/auth/login/.", code="mfa_required"
        )
    return user, _session_open(user, client=client)


@dataclass(frozen=True)
class SignIn:
    """The outcome of a correct password: a token pair, or (when a second factor is due) a
    challenge to complete at `auth_mfa_verify` / `auth_mfa_enrol_confirm`."""

    user: User
    pair: TokenPair | None = None
    challenge: Challenge | None = None


def auth_sign_in(*, email: str, password: str, client: str | None = None) -> SignIn:
    """The canonical login: check credentials (as `auth_login`); an account with two-factor
    sign-in on gets a VERIFY challenge, a STAFF or ADMIN account that REQUIRE_2FA_FOR_STAFF
    obliges to set one up gets an ENROL challenge, anyone else a token pair. Audited either way
    (`auth.mfa_challenge` or `auth.login`)."""
    user = _credentials_user(email, password)
    step = mfa_sign_in_step(user)
    if step is not None:
        with transaction.atomic():
            return SignIn(user=user, challenge=mfa_challenge_issue(user=user, step=step))
    return SignIn(user=user, pair=_session_open(user, client=client))


def auth_mfa_verify(*, challenge: str, code: str, client: str | None = None) -> tuple[User, TokenPair]:
    """Complete a VERIFY challenge with the authenticator's current code or an unused recovery
    code: the token pair, audited as `auth.login` with the method used. 401 `challenge_invalid`
    or `invalid_code` (audited as `auth.mfa_failed`)."""
    user = mfa_challenge_user(token=challenge, step=VERIFY)
    with transaction.atomic():
        method = mfa_check_code(user=user, code=code)
        if method is not None:
            changes: dict[str, Any] = {"mfa": method}
            if method == "recovery_code":
                changes["recovery_codes_left"] = recovery_codes_left(user)
            return user, _session_open(user, client=client, changes=changes)
    mfa_code_failed(user=user, via="sign-in")
    raise CodeRefused("That code is neither current nor an unused recovery code.", fields={"code": ["Not valid."]})


def auth_mfa_enrol_start(*, challenge: str) -> TotpSetup:
    """Set-up of an authenticator by an account that the role obliges to have one and that has
    only a password so far (an ENROL challenge stands in for being signed in)."""
    return mfa_totp_start(actor=mfa_challenge_user(token=challenge, step=ENROL))


def auth_mfa_enrol_confirm(
    *, challenge: str, code: str, client: str | None = None
) -> tuple[User, list[str], TokenPair]:
    """Confirm that set-up with the first code: two-factor sign-in is on, and the account is
    signed in (recovery codes and a token pair)."""
    user = mfa_challenge_user(token=challenge, step=ENROL)
    codes = mfa_totp_confirm(actor=user, code=code)
    return user, codes, _session_open(user, client=client, changes={"mfa": "totp"})


def _credentials_user(email: str, password: str) -> User:
    """The active account with this email and password. A failure is audited (outside any
    transaction, so the record stays) and answered with one message whether the email exists."""
    email = User.objects.normalize_email(email)
    user = authenticate(email=email, password=password)
    if user is None:
        audit_record(actor=None, action=Action.AUTH_LOGIN_FAILED, actor_email=email[:254])
        raise AuthenticationRequired("Email or password is incorrect.", code="invalid_credentials")
    return user


def _session_open(user: User, *, client: str | None, changes: dict[str, Any] | None = None) -> TokenPair:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(last_login=dj_timezone.now())
        audit_record(actor=user, action=Action.AUTH_LOGIN, target=user, changes=changes)
        return issue_token_pair(user, client=client)


@dataclass(frozen=True)
class TokenRefresh:
    """A rotated refresh token: whose it was, the new pair, and the claims of the old one."""

    user: User
    pair: TokenPair
    claims: dict[str, Any]


ClaimsCheck = Callable[[dict[str, Any]], None]


@transaction.atomic
def token_refresh(
    *, raw_refresh: str, check_claims: ClaimsCheck | None = None, keep_csrf: str | None = None
) -> TokenRefresh:
    """Rotate a refresh token: blacklist it and issue a new pair.

    The token is decoded once. `check_claims(claims)` runs right after, before any query: the
    API checks the CSRF double submit and the per-account rate limit there, and what it raises
    stops the rotation. The blacklist row is the lock: its one-to-one column is unique, so of N
    concurrent calls with the same token exactly one inserts it and the others get 401.

    `keep_csrf` is the CSRF value the client holds: the new pair keeps it when it is the one the
    old refresh token was issued with (otherwise a new one is drawn)."""
    claims = _verified_claims(raw_refresh)
    if check_claims is not None:
        check_claims(claims)
    outstanding = _outstanding(claims)
    if outstanding is not None and BlacklistedToken.objects.filter(token=outstanding).exists():
        raise AuthenticationRequired("Refresh token has already been used.", code="token_not_valid")
    user = _token_user(claims)
    if outstanding is None:
        raise AuthenticationRequired("Refresh token is not known.", code="token_not_valid")
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError as exc:
        raise AuthenticationRequired("Refresh token has already been used.", code="token_not_valid") from exc
    kept = keep_csrf if keep_csrf and hmac.compare_digest(csrf_digest(keep_csrf), claims.get("csrf", "")) else None
    return TokenRefresh(user=user, pair=issue_token_pair(user, csrf=kept), claims=claims)


@dataclass(frozen=True)
class AccessIssue:
    user: User
    access: str
    expires_at: datetime


def access_token_issue(*, raw_refresh: str, client: str, check_claims: ClaimsCheck | None = None) -> AccessIssue:
    """A new access token from a refresh token that was issued to `client`, without rotating it:
    for a seed client that keeps its first refresh token for good (Just Like Clockwork). Any
    other refresh token is refused here (401): it rotates at the canonical refresh, and the
    canonical refresh rotates these too. The refresh token stays as revocable as any other:
    logout blacklists it, revoke-all and a password change end it, and it expires after
    REFRESH_TOKEN_DAYS. `check_claims` runs before any query (the per-account rate limit)."""
    claims = _verified_claims(raw_refresh)
    if claims.get("client") != client:
        raise AuthenticationRequired("This refresh token is not one issued to this client.", code="token_not_valid")
    if check_claims is not None:
        check_claims(claims)
    outstanding = _outstanding(claims)
    if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
        raise AuthenticationRequired("Refresh token has been revoked.", code="token_not_valid")
    user = _token_user(claims)
    access = RefreshToken(raw_refresh, verify=False).access_token
    return AccessIssue(user=user, access=str(access), expires_at=datetime_from_epoch(access["exp"]))


@transaction.atomic
def auth_logout(
    *, raw_refresh: str | None, access: Mapping[str, Any] | None = None, check_claims: ClaimsCheck | None = None
) -> None:
    """Blacklist the given refresh token and end `access`, the claims of the access token the
    request was authenticated with, if any (config.api.token_denylist, until it expires).

    Without a refresh token there is nothing to log out of: 400. Logging out twice, or with a
    refresh token that no longer works, is not an error. The token is decoded once;
    `check_claims(claims)` runs before anything is written (the API's CSRF double submit).
    One audit row, whichever of the two tokens it ended."""
    if not raw_refresh:
        message = "Send the refresh token to log out: refresh_token in the body or the refresh_token cookie."
        raise ValidationFailed(message, code="refresh_token_missing", fields={"refresh_token": [message]})
    claims = verified_claims(raw_refresh)
    if claims is not None and check_claims is not None:
        check_claims(claims)
    ended_access = access is not None and access_token_deny(access)
    outstanding = _outstanding(claims) if claims is not None else None
    blacklisted = False
    if outstanding is not None:
        _, blacklisted = BlacklistedToken.objects.get_or_create(token=outstanding)
    user = outstanding.user if blacklisted else _access_user(access) if ended_access else None
    if user is not None:
        audit_record(actor=user, action=Action.AUTH_LOGOUT, target=user)


@transaction.atomic
def auth_logout_access(*, actor: User, access: Mapping[str, Any]) -> None:
    """End only the access token `actor` is signed in with (C3PO's logout sends no refresh
    token; its refresh token stays valid until it is used or expires)."""
    if access_token_deny(access):
        audit_record(actor=actor, action=Action.AUTH_LOGOUT, target=actor)


def _access_user(access: Mapping[str, Any] | None) -> User | None:
    return User.objects.filter(uuid=access.get(api_settings.USER_ID_CLAIM)).first() if access else None


@transaction.atomic
def auth_revoke_all(*, actor: User) -> int:
    """End every session of `actor`: bump the token version (outstanding access tokens fail on
    their next request) and blacklist every refresh token. Returns how many were blacklisted."""
    revoked = revoke_user_tokens(actor)
    audit_record(actor=actor, action=Action.AUTH_REVOKE_ALL, target=actor, changes={"refresh_tokens_revoked": revoked})
    return revoked


def revoke_user_tokens(user: User) -> int:
    """Invalidate every token `user` holds (no audit row: callers record why)."""
    User.objects.filter(pk=user.pk).update(token_version=F("token_version") + 1)
    forget_user(user)  # an update() sends no post_save: the cached row goes here
    user.refresh_from_db(fields=["token_version"])
    pending = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).values_list("pk", flat=True)
    rows = [BlacklistedToken(token_id=pk) for pk in pending]
    BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _verified_claims(raw: str) -> dict[str, Any]:
    claims = verified_claims(raw)
    if claims is None:
        raise AuthenticationRequired("Refresh token is not valid or has expired.", code="token_not_valid")
    return claims


def _outstanding(claims: dict[str, Any]) -> OutstandingToken | None:
    jti = claims.get(api_settings.JTI_CLAIM)
    if not jti:
        return None
    return OutstandingToken.objects.filter(jti=jti).select_related("user").first()


def _token_user(claims: dict[str, Any]) -> User:
    user = User.objects.filter(uuid=claims.get(api_settings.USER_ID_CLAIM), is_active=True).first()
    if user is None:
        raise AuthenticationRequired("User not found or inactive.", code="user_inactive")
    if claims.get("ver") != user.token_version:
        raise AuthenticationRequired("Token has been revoked.", code="token_revoked")
    if mfa_enrolment_missing(user):
        # REQUIRE_2FA_FOR_STAFF came on (or the account became STAFF) after this token was issued.
        raise AuthenticationRequired(
            "Two-factor sign-in is required for this account: sign in again to set it up.",
            code="mfa_enrolment_required",
        )
    return user
