"""One error body for the whole API: `{"error": {"code", "message", "fields"}}`."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import ApplicationError, is_concurrent_write, is_unavailable

logger = logging.getLogger("timekeep.api")

MESSAGES = {
    400: "The request is not valid.",
    401: "Authentication credentials were not provided or are not valid.",
    403: "You do not have permission to do this.",
    404: "Not found.",
    405: "Method not allowed.",
    409: "The request conflicts with the current state.",
    413: "The request body is too large.",
    415: "Unsupported media type.",
    422: "The request breaks a rule.",
    429: "Too many requests.",
    500: "Internal server error.",
    503: "A service this request needs is unavailable.",
}


def error_payload(code: str, message: str, fields: dict[str, Any] | None = None, **extra: Any) -> dict:
    body: dict[str, Any] = {"code": code, "message": message, "fields": fields or {}}
    body.update(extra)
    return {"error": body}


def error_response(status_code: int, code: str, message: str | None = None, **kwargs: Any) -> JsonResponse:
    """For plain Django views and middleware (DRF views go through `exception_handler`)."""
    return JsonResponse(
        error_payload(code, message or MESSAGES.get(status_code, "Error."), **kwargs), status=status_code
    )


def _first_message(detail: Any) -> str | None:
    if isinstance(detail, dict):
        for value in detail.values():
            found = _first_message(value)
            if found:
                return found
    elif isinstance(detail, list):
        for value in detail:
            found = _first_message(value)
            if found:
                return found
    elif detail:
        return str(detail)
    return None


def _validation_body(detail: Any) -> tuple[str, dict]:
    if isinstance(detail, dict):
        fields = detail
    else:
        fields = {"non_field_errors": detail if isinstance(detail, list) else [detail]}
    first = _first_message(fields)
    if len(fields) == 1 and first:
        (name,) = fields
        message = first if name == "non_field_errors" else f"{name}: {first}"
    else:
        message = "Some fields are not valid."
    return message, fields


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(
            error_payload(exc.code, exc.message, exc.fields, **exc.extra),
            status=exc.status,
            headers=exc.headers,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif is_concurrent_write(exc):
        return Response(
            error_payload(
                "concurrent_write", "Another request changed the same data at the same moment; send it again."
            ),
            status=status.HTTP_409_CONFLICT,
        )
    elif is_unavailable(exc):
        logger.warning("dependency unavailable: %s", exc)
        return Response(
            error_payload("service_unavailable", MESSAGES[503]),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    elif isinstance(exc, DatabaseError):
        return None  # a real bug: let ApiErrorMiddleware log it and answer 500

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        message, fields = _validation_body(exc.detail)
        response.data = error_payload("validation_error", message, fields)
        return response

    code = getattr(exc, "default_code", "error")
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    detail = exc.detail if isinstance(exc, exceptions.APIException) else None
    if isinstance(codes, str):
        code = codes
    elif isinstance(detail, dict) and detail.get("code"):
        code = str(detail["code"])  # simplejwt puts its own code inside the detail dict
    message = _first_message(detail) or MESSAGES.get(response.status_code, "Error.")
    extra = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["retry_after"] = int(exc.wait + 0.999)
    response.data = error_payload(code, message, **extra)
    return response
