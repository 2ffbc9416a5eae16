"""Rate limits for the endpoints an attacker aims at (login, register, refresh).

Counters live in the shared cache (Redis when REDIS_URL is set). They fail closed: when the
cache cannot be reached the endpoint answers 503 instead of letting unlimited guesses through.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django_ratelimit.core import get_usage

from config.api.client_ip import client_ip
from config.errors import ApplicationError, ServiceUnavailable


class RateLimited(ApplicationError, status=429, code="rate_limited"):
    """Too many attempts in the window; `retry_after` says when to try again."""


def enforce_rate_limit(request, *, group: str, rate: str | None, key: str, value: str | None) -> None:
    """Count one hit for `value` in `group` and raise RateLimited (with `retry_after`) past `rate`."""
    if not rate or not value:
        return
    digest = hashlib.sha256(value.encode()).hexdigest()
    try:
        usage = get_usage(
            request,
            group=f"{group}:{key}",
            key=lambda _group, _request: digest,
            rate=rate,
            increment=True,
        )
    except Exception as exc:
        raise ServiceUnavailable(
            "Rate limiting is unavailable, so this endpoint is closed for now. Try again shortly.",
            code="rate_limiter_unavailable",
        ) from exc
    if usage is None:
        return
    if usage["limit"] == 0 and usage["time_left"] < 0:
        # django-ratelimit's marker for "could not count" (the cache refused the write).
        raise ServiceUnavailable(
            "Rate limiting is unavailable, so this endpoint is closed for now. Try again shortly.",
            code="rate_limiter_unavailable",
        )
    if usage["should_limit"]:
        retry_after = max(1, int(usage["time_left"]))
        raise RateLimited(
            f"Too many attempts. Try again in {retry_after} seconds.",
            extra={"retry_after": retry_after},
        )


def limit_by_ip(request, *, group: str, rate: str | None) -> None:
    enforce_rate_limit(request, group=group, rate=rate, key="ip", value=client_ip(request))


def limit_by_account(request, *, group: str, rate: str | None, account: str | None) -> None:
    enforce_rate_limit(request, group=group, rate=rate, key="account", value=(account or "").strip().lower() or None)


def limit_refresh(request) -> Callable[[Mapping[str, Any]], None]:
    """Count a token refresh against RATE_LIMIT_REFRESH_IP now, and return the check that counts
    it against the token's account (RATE_LIMIT_REFRESH_ACCOUNT) once its claims are read: the
    `check_claims` of `token_refresh`, or a part of one."""
    limit_by_ip(request, group="refresh", rate=settings.RATE_LIMIT_REFRESH_IP)

    def check(claims: Mapping[str, Any]) -> None:
        limit_by_account(request, group="refresh", rate=settings.RATE_LIMIT_REFRESH_ACCOUNT, account=claims.get("sub"))

    return check
