"""Logout: the refresh token is required (400 without one), and the access token the request was
made with stops working at once, not only when it expires."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD
from accounts.tokens import issue_token_pair
from audit.models import AuditEvent

LOGIN = "/api/v1/auth/login/"
LOGOUT = "/api/v1/auth/logout/"
REFRESH = "/api/v1/auth/refresh/"
ME = "/api/v1/auth/me/"

pytestmark = pytest.mark.django_db


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_logout_without_a_refresh_token_is_a_400_and_revokes_nothing(user):
    pair = issue_token_pair(user)

    response = bearer(pair.access).post(LOGOUT)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "refresh_token_missing"
    assert "refresh_token" in response.json()["error"]["fields"]
    assert bearer(pair.access).get(ME).status_code == 200
    assert APIClient().post(REFRESH, {"refresh_token": pair.refresh}).status_code == 200
    assert not AuditEvent.objects.filter(action="auth.logout").exists()


def test_logout_ends_the_bearer_access_token_it_was_called_with(user):
    pair = issue_token_pair(user)
    other = issue_token_pair(user)

    response = bearer(pair.access).post(LOGOUT, {"refresh_token": pair.refresh})

    assert response.status_code == 204
    revoked = bearer(pair.access).get(ME)
    assert revoked.status_code == 401
    assert revoked.json()["error"]["code"] == "token_revoked"
    assert APIClient().post(REFRESH, {"refresh_token": pair.refresh}).status_code == 401
    # Another session of the same user is untouched.
    assert bearer(other.access).get(ME).status_code == 200
    assert AuditEvent.objects.filter(action="auth.logout").count() == 1


def test_logout_by_cookie_ends_the_access_cookie_too(user):
    client = APIClient()
    assert client.post(LOGIN, {"email": user.email, "password": PASSWORD}).status_code == 200
    access = client.cookies["access_token"].value
    csrf = client.cookies["csrf_token"].value

    assert client.post(LOGOUT, HTTP_X_CSRF_TOKEN=csrf).status_code == 204

    assert bearer(access).get(ME).status_code == 401


def test_logout_by_cookie_without_the_csrf_header_is_refused_and_ends_nothing(user):
    client = APIClient()
    client.post(LOGIN, {"email": user.email, "password": PASSWORD})
    access = client.cookies["access_token"].value

    response = client.post(LOGOUT)

    assert response.status_code == 403
    assert bearer(access).get(ME).status_code == 200


def test_logout_with_a_used_refresh_token_still_ends_the_access_token(user):
    pair = issue_token_pair(user)
    assert bearer(pair.access).post(LOGOUT, {"refresh_token": pair.refresh}).status_code == 204
    second = issue_token_pair(user)

    assert bearer(second.access).post(LOGOUT, {"refresh_token": pair.refresh}).status_code == 204

    assert bearer(second.access).get(ME).status_code == 401
    assert AuditEvent.objects.filter(action="auth.logout").count() == 2


def test_the_denylist_entry_lives_until_the_token_expires(user, settings, monkeypatch):
    from django.core.cache import caches

    from config.api.token_denylist import PREFIX

    written = []
    monkeypatch.setattr(caches["default"], "set", lambda key, value, timeout: written.append((key, timeout)))
    pair = issue_token_pair(user)

    bearer(pair.access).post(LOGOUT, {"refresh_token": pair.refresh})

    ((key, timeout),) = written
    assert key.startswith(PREFIX)
    assert 0 < timeout <= settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds() + 1


def test_a_cache_that_cannot_be_written_fails_the_logout_instead_of_pretending(user, monkeypatch):
    from django.core.cache import caches

    def broken(*args, **kwargs):
        raise ConnectionError("down")

    monkeypatch.setattr(caches["default"], "set", broken)
    pair = issue_token_pair(user)

    response = bearer(pair.access).post(LOGOUT, {"refresh_token": pair.refresh})

    assert response.status_code == 503
    assert APIClient().post(REFRESH, {"refresh_token": pair.refresh}).status_code == 200
