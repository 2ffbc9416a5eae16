"""What every client adapter shares: the FastAPI-style error body, Bearer-only authentication,
routes with and without the trailing slash, plain JSON arrays, and input parsing that, like the
originals, ignores fields it does not know."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.http import JsonResponse
from django.urls import re_path
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.authentication import JWTCookieOrBearerAuthentication
from config.api.errors import exception_handler as api_exception_handler
from config.api.parsers import JSONParser
from config.api.views import parse_input
from config.errors import ApplicationError

logger = logging.getLogger("timekeep.compat")


class BearerAuthentication(JWTCookieOrBearerAuthentication):
    """Timekeep's access token in `Authorization: Bearer`, with every check of the canonical API
    (expiry, token version, logout denylist). Cookies are not read: these clients never use
    Timekeep's cookies, and a C3PO server forwards cookies of its own under the same names."""

    def authenticate(self, request):
        if self.get_header(request) is None:
            return None
        return super().authenticate(request)


def detail_of(response: Response) -> Any:
    """The message of Timekeep's error body, as a FastAPI client reads `detail`."""
    data = response.data
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        return data["error"].get("message") or "Error."
    return data


def fastapi_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Timekeep's errors in the FastAPI shape the clients read: `{"detail": "<message>"}`.
    Malformed input is a 422, as the originals' request validation answered; a 401 keeps
    `WWW-Authenticate: Bearer`. Anything unexpected is logged and answered as a JSON 500."""
    response = api_exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled error in a client adapter", exc_info=exc)
        return Response({"detail": "Internal Server Error"}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    code = response.data.get("error", {}).get("code") if isinstance(response.data, dict) else None
    if isinstance(exc, exceptions.ValidationError) or code == "parse_error":
        response.status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    view = context.get("view")
    translate = getattr(view, "translate_error", None)
    response.data = {"detail": detail_of(response)}
    if translate is not None:
        translate(exc, response)
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = "Bearer"
    return response


class CompatView(APIView):
    """Base of every adapter view: depth-limited JSON, Bearer authentication, FastAPI errors, no
    caching of answers. A view may define `translate_error(exc, response)` to give a service
    error the status and message its original backend used."""

    authentication_classes = [BearerAuthentication]
    parser_classes = [JSONParser]
    # Each mount follows its client's contract file, not Timekeep's schema: left out of
    # /api/v1/schema/ (docs/clients.md describes them).
    schema = None

    def get_exception_handler(self):
        return fastapi_exception_handler

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response.setdefault("Cache-Control", "no-store")
        return response


class PublicView(CompatView):
    """Sign-up and sign-in: no token read; the rate limits of the canonical endpoints apply."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []


def parse(serializer_class, data, **kwargs) -> dict:
    """Validate input the way the originals did: fields they did not know are ignored (so a
    client sending more than the adapter reads keeps working); malformed input is a 422."""
    return parse_input(serializer_class, data, ignore_unknown=True, **kwargs)


def error_code(exc: Exception) -> str | None:
    return exc.code if isinstance(exc, ApplicationError) else None


def route(pattern: str, view: Callable, name: str | None = None):
    """`pattern` (a regex without anchors or trailing slash) with and without its trailing slash,
    never redirected: a redirected POST loses its body and a preflighted request cannot follow."""
    return re_path(rf"^{pattern}/?$", view, name=name)


def not_found(request, *args, **kwargs) -> JsonResponse:
    """Any other path under a mount: FastAPI's 404 body."""
    return JsonResponse({"detail": "Not Found"}, status=404)


def catch_all():
    return re_path(r"^.*$", not_found)


def plain_list(items: Iterable[Any], to_json: Callable[[Any], dict]) -> Response:
    """A JSON array, as clients that iterate the body expect (no pagination envelope)."""
    return Response([to_json(item) for item in items])
