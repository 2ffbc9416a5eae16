"""Two ways to authenticate, at once.

* `Authorization: Bearer <access>` for mobile apps and scripts: no CSRF check, since a browser
  never attaches that header on its own.
* The HttpOnly `access_token` cookie for the browser SPA. A browser attaches cookies to any
  request, so an unsafe method must also carry `X-CSRF-Token` equal to the readable
  `csrf_token` cookie (double submit). The token's `csrf` claim holds a hash of that value, so a
  cookie planted by a sibling sub-domain does not pass either.

Every token carries the user's `ver` (token version); revoke-all bumps the version, which ends
every outstanding access token at once. The user's row comes from the cache (`user_cache`), so
checking a token costs no query; the services that change a user's row refresh that copy.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, ExpiredTokenError, InvalidToken, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken
from rest_framework_simplejwt.utils import aware_utcnow

from config.api.token_denylist import access_token_denied, denied_key
from config.api.user_cache import load_user_and

ACCESS_COOKIE = "access_token"
REFRESH_COOKIE = "refresh_token"
CSRF_COOKIE = "csrf_token"
CSRF_HEADER = "HTTP_X_CSRF_TOKEN"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def csrf_digest(value: str) -> str:
    return hashlib.sha256(f"{settings.JWT_SECRET_KEY}:{value}".encode()).hexdigest()[:32]


def check_double_submit(request, token) -> None:
    """Raise 403 unless the header equals the cookie and matches the token's `csrf` claim."""
    header = request.META.get(CSRF_HEADER, "")
    cookie = request.COOKIES.get(CSRF_COOKIE, "")
    claim = token.get("csrf", "") if token is not None else ""
    if not header or not cookie or not hmac.compare_digest(header, cookie):
        raise exceptions.PermissionDenied(
            detail="CSRF check failed: send X-CSRF-Token equal to the csrf_token cookie.",
            code="csrf_failed",
        )
    if claim and not hmac.compare_digest(csrf_digest(header), claim):
        raise exceptions.PermissionDenied(
            detail="CSRF check failed: the csrf_token cookie does not belong to this session.",
            code="csrf_failed",
        )


class JWTCookieOrBearerAuthentication(JWTAuthentication):
    www_authenticate_realm = "api"

    def authenticate(self, request):
        header = self.get_header(request)
        if header is not None:
            raw_token = self.get_raw_token(header)
            if raw_token is None:
                return None
            via_cookie = False
        else:
            raw_token = request.COOKIES.get(ACCESS_COOKIE)
            if not raw_token:
                return None
            via_cookie = True

        validated_token = self.get_validated_token(raw_token)
        user, denied = self._user_and_denial(validated_token)
        if validated_token.get("ver") != getattr(user, "token_version", None) or denied:
            raise InvalidToken({"detail": "Token has been revoked.", "code": "token_revoked"})
        if via_cookie and request.method not in SAFE_METHODS:
            check_double_submit(request, validated_token)
        request.auth_via_cookie = via_cookie
        return user, validated_token

    def get_user(self, validated_token):
        """The token's user from `user_cache` (no query when cached), with simplejwt's checks."""
        return self._user_and_denial(validated_token)[0]

    def _user_and_denial(self, validated_token):
        """The token's user, and whether a logout ended the token (config.api.token_denylist):
        both from the cache in one round trip."""
        deny_key = denied_key(validated_token)
        if api_settings.CHECK_REVOKE_TOKEN:  # compares a hash of the password
            return super().get_user(validated_token), access_token_denied(validated_token)
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as exc:
            raise InvalidToken("Token contained no recognizable user identification") from exc
        user, entries = load_user_and(user_id, [deny_key] if deny_key else [])
        if user is None:
            raise AuthenticationFailed("User not found", code="user_not_found")
        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed("User is inactive", code="user_inactive")
        return user, entries.get(deny_key) is not None

    def get_header(self, request):
        try:
            return super().get_header(request)
        except UnicodeEncodeError as exc:
            raise InvalidToken({"detail": "Authorization header is not valid.", "code": "token_not_valid"}) from exc

    def get_validated_token(self, raw_token):
        payload = _verified.get(raw_token)
        if payload is not None:
            token = _KnownAccessToken(raw_token, payload)
            if payload["exp"] + token.get_token_backend().get_leeway().total_seconds() <= time.time():
                _verified.pop(raw_token, None)  # as simplejwt's check_exp
                raise InvalidToken({"detail": "Access token has expired.", "code": "token_expired"})
            return token
        try:
            token = AccessToken(raw_token)
        except ExpiredTokenError as exc:
            raise InvalidToken({"detail": "Access token has expired.", "code": "token_expired"}) from exc
        except TokenError as exc:
            raise InvalidToken({"detail": f"Access token is not valid: {exc}", "code": "token_not_valid"}) from exc
        if len(_verified) >= VERIFIED_TOKENS_KEPT:
            _verified.pop(next(iter(_verified), None), None)  # the oldest
        _verified[raw_token] = dict(token.payload)
        return token


# Access tokens whose signature and claims this process has checked, by their text: a client
# sends the same token with every request for its whole life, and checking it again (base64,
# JSON, HMAC and claims, in PyJWT) cost more than the rest of authenticating. What can change
# during a token's life is not kept here: its expiry is compared on every use, and revocation
# (token version, active flag, logout's denylist) is read from the shared cache per request.
VERIFIED_TOKENS_KEPT = 4096
_verified: dict[bytes | str, dict] = {}


class _KnownAccessToken(AccessToken):
    """An access token already verified by this process: the payload, without decoding again."""

    def __init__(self, raw_token: bytes | str, payload: dict) -> None:
        self.token = raw_token
        self.current_time = aware_utcnow()
        self.payload = dict(payload)


class JWTCookieOrBearerScheme(OpenApiAuthenticationExtension):
    target_class = JWTCookieOrBearerAuthentication
    name = ["BearerAuth", "CookieAuth", "OAuth2Password"]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            {
                "type": "apiKey",
                "in": "cookie",
                "name": ACCESS_COOKIE,
                "description": "Set by the auth endpoints; unsafe methods also need the X-CSRF-Token header.",
            },
            {
                "type": "oauth2",
                "flows": {"password": {"tokenUrl": "/api/v1/auth/login/", "scopes": {}}},
            },
        ]
