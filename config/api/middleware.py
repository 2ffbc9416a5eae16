"""Middleware that keeps every `/api/` answer JSON and every API path in one canonical form, and
spares API calls the middleware only the admin and the HTML pages use."""

from __future__ import annotations

import logging
import re

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation

from config.api.errors import MESSAGES, error_response
from config.errors import is_unavailable

logger = logging.getLogger("timekeep.api")

API_PREFIX = "/api/"
_VERSIONED = re.compile(r"^/api/v\d+(/|$)")
# LockIN's clients call commands as `POST /api/groups/{id}:clone`.
_COLON_COMMAND = re.compile(r"^(/api/v\d+/.+?):([a-z][a-z-]*)/?$")


def canonical_api_path(path: str) -> str:
    """`/api/time-entries` -> `/api/v1/time-entries/`; `/api/v1/sessions/X:start` ->
    `/api/v1/sessions/X/start/`. The seeds' clients spoke unversioned paths without trailing
    slashes; all of them reach the same views."""
    if not path.startswith(API_PREFIX):
        return path
    if not _VERSIONED.match(path):
        path = "/api/v1/" + path[len(API_PREFIX) :]
    match = _COLON_COMMAND.match(path)
    if match:
        path = f"{match[1]}/{match[2]}/"
    if not path.endswith("/"):
        path += "/"
    return path


def is_api_request(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


class ApiPathMiddleware:
    """Rewrites the path in place (no redirect), so a POST to a path without its trailing slash
    keeps its body and the published schema lists one form of each path."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        original = request.path_info
        canonical = canonical_api_path(original)
        if canonical != original:
            script_prefix = request.path[: len(request.path) - len(original)]
            request.path_info = canonical
            request.path = script_prefix + canonical
        return self.get_response(request)


class ApiErrorMiddleware:
    """Last line of defence: no HTML page and no stack trace from `/api/`, even with DEBUG on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            is_api_request(request)
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            code = {404: "not_found", 405: "method_not_allowed", 403: "permission_denied"}.get(
                response.status_code, "error"
            )
            replaced = error_response(response.status_code, code, MESSAGES.get(response.status_code))
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replaced[header] = response[header]
            return replaced
        return response

    def process_exception(self, request, exception):
        if not is_api_request(request):
            return None
        if isinstance(exception, RequestDataTooBig):
            return error_response(413, "request_too_large", MESSAGES[413])
        if isinstance(exception, SuspiciousOperation):
            return error_response(400, "bad_request", MESSAGES[400])
        if is_unavailable(exception):
            logger.warning("dependency unavailable: %s", exception)
            response = error_response(503, "service_unavailable", MESSAGES[503])
            response["Retry-After"] = "5"
            return response
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "server_error", MESSAGES[500])


class SecurityHeadersMiddleware:
    """Headers Django's SecurityMiddleware does not set. API answers are JSON for one client and
    must never be cached by a shared cache nor rendered as a page."""

    API_CSP = "default-src 'none'; frame-ancestors 'none'"
    PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.PERMISSIONS_POLICY)
        if is_api_request(request) and response.get("Content-Type", "").startswith("application/json"):
            response.setdefault("Cache-Control", "no-store")
            response.setdefault("Content-Security-Policy", self.API_CSP)
        return response


# Pages under /api/ rendered from templates (the docs): they keep the whole middleware stack.
_TEMPLATE_PAGES = ("/api/v1/docs/", "/api/v1/redoc/")


def is_lean_api_request(request) -> bool:
    """An API call proper: a DRF view (csrf-exempt, authenticated by token, never reading the
    Django session or messages) or the signed media links (csrf-exempt, the signature is the
    credential). The project's own double-submit check protects cookie-authenticated API writes
    (config.api.authentication), so Django's session, auth and message middleware have nothing
    to do for these requests."""
    path = request.path_info
    return path.startswith(API_PREFIX) and not path.startswith(_TEMPLATE_PAGES)


class OutsideApi:
    """Mixin for a Django middleware class: lean API requests pass straight through it; every
    other request (the admin, the docs pages, health and root) gets it as before. The classes
    below subclass Django's own, so the admin's system checks still find them."""

    def __call__(self, request):
        if is_lean_api_request(request):
            return self.get_response(request)
        return super().__call__(request)


class SessionMiddlewareOutsideApi(OutsideApi, SessionMiddleware):
    pass


class AuthenticationMiddlewareOutsideApi(OutsideApi, AuthenticationMiddleware):
    pass


class MessageMiddlewareOutsideApi(OutsideApi, MessageMiddleware):
    pass
