"""Cross-cutting behaviour: error shape, paths, headers, CORS, outages."""

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from rest_framework.test import APIClient

from config.api.middleware import canonical_api_path

pytestmark = pytest.mark.django_db


def assert_json_error(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    error = response.json()["error"]
    assert set(error) >= {"code", "message", "fields"}
    assert isinstance(error["fields"], dict)
    return error


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("get", "/api/v1/nope/", {}, 404),
        ("get", "/api/nope", {}, 404),
        ("get", "/api/v1/auth/me/", {}, 401),
        ("delete", "/api/v1/auth/login/", {}, 405),
        ("post", "/api/v1/auth/login/", {"data": "{not json", "content_type": "application/json"}, 400),
        ("post", "/api/v1/auth/login/", {"data": "x", "content_type": "text/plain"}, 415),
        ("post", "/api/v1/auth/login/", {"data": {}, "format": "json"}, 400),
        ("post", "/api/v1/auth/login/", {"data": [1, 2], "format": "json"}, 400),
    ],
)
def test_every_error_has_the_json_shape(method, path, kwargs, status):
    assert_json_error(getattr(APIClient(), method)(path, **kwargs), status)


def test_errors_stay_json_with_debug_on(settings):
    settings.DEBUG = True
    assert_json_error(APIClient().get("/api/v1/definitely/missing/"), 404)


def test_paths_with_and_without_trailing_slash_reach_the_same_view(client_for, user):
    client = client_for(user)
    assert client.get("/api/v1/auth/me").status_code == 200
    assert client.get("/api/v1/auth/me/").status_code == 200
    # POST without the slash keeps its body (no redirect).
    assert client.post("/api/v1/notifications/read-all").status_code == 200


def test_seed_paths_without_version_and_colon_commands_are_understood(client_for, user):
    assert client_for(user).get("/api/auth/me").status_code == 200
    assert canonical_api_path("/api/groups/abc:clone") == "/api/v1/groups/abc/clone/"
    assert canonical_api_path("/api/v1/sessions/x:start/") == "/api/v1/sessions/x/start/"
    assert canonical_api_path("/api/time-entries/") == "/api/v1/time-entries/"
    assert canonical_api_path("/admin/login") == "/admin/login"


def test_database_outage_is_503_json(client_for, user, monkeypatch):
    client = client_for(user)

    def refuse(self):
        raise OperationalError("connection refused")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)
    error = assert_json_error(client.get("/api/v1/notifications/"), 503)
    assert error["code"] == "service_unavailable"


def test_unhandled_errors_are_500_json_without_a_trace(client_for, user, monkeypatch):
    from accounts.api import views

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "notification_mark_all_read", explode)
    response = client_for(user).post("/api/v1/notifications/read-all/")
    error = assert_json_error(response, 500)
    assert "secret" not in response.content.decode()
    assert error["code"] == "server_error"


def test_security_headers_on_api_responses(client_for, user):
    response = client_for(user).get("/api/v1/auth/me/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "camera=()" in response["Permissions-Policy"]


def test_cors_allows_listed_origins_with_credentials(settings):
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:5173"]
    client = APIClient()
    allowed = client.options(
        "/api/v1/auth/login/",
        HTTP_ORIGIN="http://localhost:5173",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,x-csrf-token",
    )
    assert allowed["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert allowed["Access-Control-Allow-Credentials"] == "true"
    assert "x-csrf-token" in allowed["Access-Control-Allow-Headers"]

    refused = client.options(
        "/api/v1/auth/login/", HTTP_ORIGIN="http://evil.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in refused


def test_naive_and_bad_datetimes_are_refused():
    from rest_framework import serializers

    from config.api.fields import AwareDateTimeField

    class Probe(serializers.Serializer):
        at = AwareDateTimeField()

    assert Probe(data={"at": "2025-09-19T14:00:00Z"}).is_valid()
    offset = Probe(data={"at": "2025-09-19T16:00:00+02:00"})
    assert offset.is_valid()
    assert Probe(offset.validated_data).data["at"] == "2025-09-19T14:00:00Z"
    for bad in ("2025-09-19T14:00:00", "2025-09-19", "2025-13-01T00:00:00Z", "yesterday", ""):
        probe = Probe(data={"at": bad})
        assert not probe.is_valid(), bad


def test_a_deadlock_is_a_retryable_409_not_a_503(client_for, user, monkeypatch):
    from psycopg import errors as pg_errors

    from accounts.api import views

    def deadlock(*args, **kwargs):
        try:
            raise pg_errors.DeadlockDetected("deadlock detected")
        except pg_errors.DeadlockDetected as cause:
            raise OperationalError("deadlock detected") from cause

    monkeypatch.setattr(views, "notification_mark_all_read", deadlock)
    error = assert_json_error(client_for(user).post("/api/v1/notifications/read-all/"), 409)
    assert error["code"] == "concurrent_write"
