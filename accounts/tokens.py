"""Issuing and reading JWTs (simplejwt does the signing and the blacklist tables).

A pair is: an access token, a refresh token recorded as outstanding (so logout, rotation and
revoke-all can blacklist it), and a CSRF value for browser clients. Both tokens carry the
user's token version (`ver`) and a digest of the CSRF value (`csrf`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from config.api.authentication import csrf_digest


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    csrf: str
    access_expires_at: datetime
    refresh_expires_at: datetime

    @property
    def access_lifetime_seconds(self) -> int:
        return int(api_settings.ACCESS_TOKEN_LIFETIME.total_seconds())

    @property
    def refresh_lifetime_seconds(self) -> int:
        return int(api_settings.REFRESH_TOKEN_LIFETIME.total_seconds())


def issue_token_pair(user, *, csrf: str | None = None, client: str | None = None) -> TokenPair:
    """A new pair for `user`. `csrf` keeps the CSRF value the browser already holds (a refresh
    whose client replays a write with the header it captured before refreshing); by default a
    new one is drawn. `client` names a seed client whose refresh token does not rotate
    (`client` claim; see accounts.services.auth.access_token_issue)."""
    csrf = csrf or secrets.token_urlsafe(32)
    refresh = RefreshToken()
    refresh[api_settings.USER_ID_CLAIM] = str(user.uuid)
    refresh["ver"] = user.token_version
    refresh["csrf"] = csrf_digest(csrf)
    if client:
        refresh["client"] = client
    access = refresh.access_token
    encoded_refresh = str(refresh)
    OutstandingToken.objects.create(
        user=user,
        jti=refresh[api_settings.JTI_CLAIM],
        # A digest, not the token: a copy of this table must not be a set of working tokens.
        token=hashlib.sha256(encoded_refresh.encode()).hexdigest(),
        created_at=refresh.current_time,
        expires_at=datetime_from_epoch(refresh["exp"]),
    )
    return TokenPair(
        access=str(access),
        refresh=encoded_refresh,
        csrf=csrf,
        access_expires_at=datetime_from_epoch(access["exp"]),
        refresh_expires_at=datetime_from_epoch(refresh["exp"]),
    )


def verified_claims(raw: str) -> dict | None:
    """Claims of a correctly signed, unexpired refresh token, without touching the database
    (used to key per-account rate limits before any work is done). None if not valid."""
    try:
        payload = token_backend.decode(raw, verify=True)
    except (TokenBackendError, TokenError):
        return None
    if payload.get(api_settings.TOKEN_TYPE_CLAIM) != "refresh":
        return None
    return payload
