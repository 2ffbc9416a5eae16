"""Access tokens ended before their expiry by a logout.

Refresh tokens are rows (simplejwt's blacklist); access tokens are checked without a query, so a
logout ends the access token it was called with by putting its `jti` in the shared cache until
the token would have expired anyway. Revoke-all does not need this: it bumps the user's token
version, which every access token carries.

* `access_token_deny` writes the entry. A cache that cannot be written makes the logout fail
  (503) rather than report an ended token that still works.
* `access_token_denied` is what authentication asks. A cache that cannot be read is skipped
  (logged): the token is then only as good as its short lifetime, and every other request
  would fail otherwise.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.cache import caches
from django.utils import timezone
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import datetime_from_epoch

from config.errors import ServiceUnavailable

logger = logging.getLogger("timekeep.api")

PREFIX = "auth:denied-access:"


def _key(jti: str) -> str:
    return f"{PREFIX}{jti}"


def access_token_deny(claims, *, now: datetime | None = None) -> bool:
    """End the access token with these claims (a dict or a validated token) until its expiry.
    Returns False when there is nothing to end (no `jti`, or already expired)."""
    jti = claims.get(api_settings.JTI_CLAIM)
    expires = claims.get("exp")
    if not jti or not expires:
        return False
    seconds = int((datetime_from_epoch(expires) - (now or timezone.now())).total_seconds()) + 1
    if seconds <= 0:
        return False
    try:
        caches["default"].set(_key(jti), 1, seconds)
    except Exception as exc:
        raise ServiceUnavailable("Could not end the access token; try again.") from exc
    return True


def denied_key(token) -> str | None:
    """The cache key that marks this access token as ended, for a caller that reads it together
    with other entries (authentication reads it with the user's row); None without a `jti`."""
    jti = token.get(api_settings.JTI_CLAIM)
    return _key(jti) if jti else None


def access_token_denied(token) -> bool:
    """Whether a logout ended this (otherwise valid) access token."""
    jti = token.get(api_settings.JTI_CLAIM)
    if not jti:
        return False
    try:
        return caches["default"].get(_key(jti)) is not None
    except Exception as exc:  # an unreachable cache must not lock everyone out
        logger.warning("token denylist unavailable, not checked: %s", exc)
        return False
