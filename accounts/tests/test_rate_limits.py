import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tokens import issue_token_pair

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login/"


def _limited(response):
    assert response.status_code == 429, response.content
    error = response.json()["error"]
    assert error["code"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1
    assert error["retry_after"] == int(response["Retry-After"])
    return error


def test_login_is_limited_per_ip(settings):
    settings.RATE_LIMIT_LOGIN_IP = "3/m"
    client = APIClient()
    for n in range(3):
        assert client.post(LOGIN, {"email": f"nobody{n}@example.com", "password": "x"}).status_code == 401
    _limited(client.post(LOGIN, {"email": "other@example.com", "password": "x"}))
    # Another address is not affected.
    assert client.post(LOGIN, {"email": "x@example.com", "password": "x"}, REMOTE_ADDR="10.0.0.9").status_code == 401


def test_login_is_limited_per_account_across_addresses(settings):
    settings.RATE_LIMIT_LOGIN_ACCOUNT = "2/m"
    user = UserFactory()
    client = APIClient()
    for n in range(2):
        client.post(LOGIN, {"email": user.email, "password": "wrong"}, REMOTE_ADDR=f"10.0.0.{n}")
    # Even the right password from a fresh address waits: the account is being guessed at.
    _limited(client.post(LOGIN, {"email": user.email.upper(), "password": PASSWORD}, REMOTE_ADDR="10.0.0.50"))


def test_register_is_limited_per_ip(settings):
    settings.RATE_LIMIT_REGISTER_IP = "2/h"
    client = APIClient()
    for n in range(2):
        client.post("/api/v1/auth/register/", {"email": f"r{n}@example.com", "password": "a-Long-pass-91"})
    _limited(client.post("/api/v1/auth/register/", {"email": "r9@example.com", "password": "a-Long-pass-91"}))


def test_refresh_is_limited_per_account(settings):
    settings.RATE_LIMIT_REFRESH_ACCOUNT = "2/m"
    user = UserFactory()
    refresh = issue_token_pair(user).refresh
    for n in range(2):
        response = APIClient().post("/api/v1/auth/refresh/", {"refresh_token": refresh}, REMOTE_ADDR=f"10.1.0.{n}")
        refresh = response.json()["refresh_token"]
    _limited(APIClient().post("/api/v1/auth/refresh/", {"refresh_token": refresh}, REMOTE_ADDR="10.1.0.9"))


def test_forwarded_for_is_trusted_only_behind_configured_proxies(settings):
    settings.RATE_LIMIT_LOGIN_IP = "1/m"
    client = APIClient()
    client.post(LOGIN, {"email": "a@example.com", "password": "x"}, HTTP_X_FORWARDED_FOR="1.1.1.1")
    # Without trusted proxies a forged header does not buy a fresh budget.
    _limited(client.post(LOGIN, {"email": "a@example.com", "password": "x"}, HTTP_X_FORWARDED_FOR="2.2.2.2"))

    settings.TRUSTED_PROXY_COUNT = 1
    assert (
        client.post(LOGIN, {"email": "a@example.com", "password": "x"}, HTTP_X_FORWARDED_FOR="3.3.3.3").status_code
        == 401
    )


def test_auth_endpoints_fail_closed_with_503_when_the_cache_is_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    user = UserFactory()
    for path, body in [
        (LOGIN, {"email": user.email, "password": PASSWORD}),
        ("/api/v1/auth/register/", {"email": "n@example.com", "password": "a-Long-pass-91"}),
        ("/api/v1/auth/refresh/", {"refresh_token": issue_token_pair(user).refresh}),
    ]:
        response = APIClient().post(path, body)
        assert response.status_code == 503, (path, response.content)
        assert response.json()["error"]["code"] == "rate_limiter_unavailable"
    # Ordinary API reads fail open: the general throttle must not take them down with it.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token_pair(user).access}")
    assert client.get("/api/v1/auth/me/").status_code == 200
