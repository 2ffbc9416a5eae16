"""Errors that services raise.

Services know nothing of HTTP; they raise one of these and every caller maps it: the API's
exception handler turns it into the JSON error body with `status`, the admin shows `message`,
a Celery task logs it.
"""

from __future__ import annotations

from typing import Any

from django.db import InterfaceError, OperationalError


class ApplicationError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, Any] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.fields = fields or {}
        self.extra = extra or {}

    @property
    def headers(self) -> dict[str, str]:
        if "retry_after" in self.extra:
            return {"Retry-After": str(self.extra["retry_after"])}
        return {}


class ValidationFailed(ApplicationError):
    status = 400
    code = "validation_error"


class AuthenticationRequired(ApplicationError):
    status = 401
    code = "not_authenticated"


class PermissionDenied(ApplicationError):
    status = 403
    code = "permission_denied"


class NotFound(ApplicationError):
    status = 404
    code = "not_found"


class Conflict(ApplicationError):
    """The request is well formed but the current state forbids it (a running timer, an
    archived group, an overlap)."""

    status = 409
    code = "conflict"


class RuleViolation(ApplicationError):
    """A business rule the caller asked to enforce strictly (e.g. working-time limits)."""

    status = 422
    code = "rule_violation"


class ServiceUnavailable(ApplicationError):
    status = 503
    code = "service_unavailable"

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": "5", **super().headers}


def is_concurrent_write(exc: BaseException) -> bool:
    """PostgreSQL aborted this transaction because a concurrent one touched the same rows
    (deadlock, serialization failure): the request conflicted with another (409, retry)."""
    if not isinstance(exc, OperationalError):
        return False
    from psycopg import errors as pg_errors

    return isinstance(exc.__cause__, (pg_errors.DeadlockDetected, pg_errors.SerializationFailure))


def is_unavailable(exc: BaseException) -> bool:
    """Database or cache server unreachable: the client can retry later (503), it is not a bug."""
    if isinstance(exc, (OperationalError, InterfaceError)):
        return not is_concurrent_write(exc)
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is a hard dependency
        return False
    return isinstance(exc, (RedisConnectionError, RedisTimeoutError, ConnectionRefusedError))
