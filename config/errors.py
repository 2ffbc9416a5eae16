"""Errors that services raise.

Services know nothing of HTTP; they raise one of these and every caller maps it: the API's
exception handler turns it into the JSON error body with `status`, the admin shows `message`,
a Celery task logs it.
"""

from __future__ import annotations

from typing import Any

from django.db import InterfaceError, OperationalError


class ApplicationError(Exception):
    """The base of every error a service raises. A subclass names its HTTP status and default
    code in its class statement: `class NotFound(ApplicationError, status=404, code="not_found")`."""

    status = 400
    code = "invalid"

    def __init_subclass__(cls, *, status: int | None = None, code: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if code is not None:
            cls.code = code

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


class ValidationFailed(ApplicationError, status=400, code="validation_error"):
    """The input is malformed or names something that does not exist."""


class AuthenticationRequired(ApplicationError, status=401, code="not_authenticated"):
    """No valid credentials came with the request."""


class PermissionDenied(ApplicationError, status=403, code="permission_denied"):
    """The caller is known but may not do this."""


class NotFound(ApplicationError, status=404, code="not_found"):
    """No such object, or one the caller may not see."""


class Conflict(ApplicationError, status=409, code="conflict"):
    """The request is well formed but the current state forbids it (a running timer, an
    archived group, an overlap)."""


class RuleViolation(ApplicationError, status=422, code="rule_violation"):
    """A business rule the caller asked to enforce strictly (e.g. working-time limits)."""


class ServiceUnavailable(ApplicationError, status=503, code="service_unavailable"):
    """A server the request needs is unreachable; the client may retry."""

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
