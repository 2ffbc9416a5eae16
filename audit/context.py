"""Who is asking, for the audit log, without threading the request through every service.

AuditContextMiddleware fills it per request; the admin, Celery tasks and commands leave it
empty, so their events carry no IP or user agent.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    user_agent: str = ""


_current: ContextVar[RequestContext | None] = ContextVar("audit_request_context", default=None)


def current() -> RequestContext:
    return _current.get() or RequestContext()


def set_current(context: RequestContext | None):
    return _current.set(context)


def reset(token) -> None:
    _current.reset(token)
