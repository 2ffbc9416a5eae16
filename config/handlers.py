"""The WSGI and ASGI handlers the servers run: Django's, remembering where a path without
parameters leads.

Resolving a request walks the URL conf pattern by pattern: a path under /api/v1/ is tried against
every app's routes before its own (a listing against some eighty), and each nested level builds
a match object. A path that captures nothing (`/api/v1/time-entries/`, `/api/v1/auth/me/`,
`/healthz`) always leads to the same view, so its match is kept (ROUTES_KEPT at most; the table
starts over when full) and each request gets a copy with its own empty args and kwargs. A path
with parameters (an object's id), a path that does not resolve, and a request with its own
`urlconf` resolve as before. The URL conf is fixed for the life of a process, so a kept match
cannot go stale."""

from __future__ import annotations

from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler

ROUTES_KEPT = 512


class KeptRoutesMixin:
    _routes: dict

    def resolve_request(self, request):
        if hasattr(request, "urlconf"):
            return super().resolve_request(request)
        path = request.path_info
        kept = self._routes.get(path)
        if kept is None:
            match = super().resolve_request(request)
            if not (match.args or match.kwargs or match.captured_kwargs or match.extra_kwargs):
                if len(self._routes) >= ROUTES_KEPT:
                    self._routes.clear()
                self._routes[path] = match
            return match
        match = object.__new__(type(kept))  # a shallow copy (ResolverMatch refuses copy.copy)
        match.__dict__.update(kept.__dict__, args=(), kwargs={})
        request.resolver_match = match
        return match


class KeptRoutesWSGIHandler(KeptRoutesMixin, WSGIHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._routes = {}


class KeptRoutesASGIHandler(KeptRoutesMixin, ASGIHandler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._routes = {}
