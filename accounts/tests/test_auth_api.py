"""Sign-up, sign-in and the token life cycle over HTTP, in cookie mode and Bearer mode."""

from datetime import timedelta

import jwt
import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tokens import issue_token_pair
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
LOGIN = "/api/v1/auth/login/"
REFRESH = "/api/v1/auth/refresh/"
LOGOUT = "/api/v1/auth/logout/"
ME = "/api/v1/auth/me/"
REVOKE_ALL = "/api/v1/auth/revoke-all/"


def assert_error(response, status, code=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


def test_register_returns_tokens_in_body_and_sets_cookies():
    client = APIClient()
    response = client.post(REGISTER, {"email": "New@Example.com", "password": "a-Long-pass-91"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["user"]["email"] == "new@example.com"
    assert body["user"]["role"] == "USER"
    assert response.cookies["access_token"]["httponly"]
    assert response.cookies["refresh_token"]["httponly"]
    assert not response.cookies["csrf_token"]["httponly"]
    assert response.cookies["csrf_token"].value == body["csrf_token"]
    assert response.cookies["access_token"]["samesite"] == "Lax"
    assert AuditEvent.objects.filter(action="user.register", actor_email="new@example.com").exists()


def test_signup_alias_registers_too():
    response = APIClient().post("/api/v1/auth/signup/", {"email": "a@example.com", "password": "a-Long-pass-91"})
    assert response.status_code == 201


def test_register_hashes_with_argon2(settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    APIClient().post(REGISTER, {"email": "argon@example.com", "password": "a-Long-pass-91"})
    assert User.objects.get(email="argon@example.com").password.startswith("argon2")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "x@example.com", "password": "short"}, "password"),
        ({"email": "x@example.com", "password": "password123"}, "password"),
        ({"email": "x@example.com", "password": "12345678901"}, "password"),
        ({"email": "not-an-email", "password": "a-Long-pass-91"}, "email"),
        ({"email": "x@example.com", "password": "a-Long-pass-91", "timezone": "Mars/Olympus"}, "timezone"),
        ({"email": "x@example.com", "password": "a-Long-pass-91", "country": "de"}, "country"),
        ({"email": "x@example.com", "password": "a-Long-pass-91", "country": "DE", "subdivision": "ZZ"}, "subdivision"),
        ({"password": "a-Long-pass-91"}, "email"),
    ],
)
def test_register_rejects_bad_input_and_creates_nothing(payload, field):
    response = APIClient().post(REGISTER, payload, format="json")
    error = assert_error(response, 400, "validation_error")
    assert field in error["fields"]
    assert not User.objects.exists()


def test_register_with_taken_email_is_409(user):
    response = APIClient().post(REGISTER, {"email": user.email.upper(), "password": "a-Long-pass-91"})
    assert_error(response, 409, "email_taken")


def test_login_json_and_form_and_alias(user):
    client = APIClient()
    json_login = client.post(LOGIN, {"email": user.email, "password": PASSWORD}, format="json")
    form_login = client.post(
        LOGIN, {"grant_type": "password", "username": user.email, "password": PASSWORD}, format="multipart"
    )
    encoded = client.post(
        LOGIN,
        f"grant_type=password&username={user.email}&password={PASSWORD}",
        content_type="application/x-www-form-urlencoded",
    )
    alias = client.post("/api/v1/auth/login/json/", {"email": user.email, "password": PASSWORD}, format="json")

    for response in (json_login, encoded, alias):
        assert response.status_code == 200, response.content
        assert response.json()["access_token"]
    # The login endpoint takes JSON and url-encoded forms only.
    assert_error(form_login, 415)
    assert AuditEvent.objects.filter(action="auth.login", actor=user).count() == 3


def test_login_with_wrong_password_is_401_and_audited(user):
    response = APIClient().post(LOGIN, {"email": user.email, "password": "wrong"}, format="json")
    assert_error(response, 401, "invalid_credentials")
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.actor_email == user.email
    assert failed.ip == "127.0.0.1"


def test_login_of_inactive_user_is_401(user):
    user.is_active = False
    user.save()
    assert_error(APIClient().post(LOGIN, {"email": user.email, "password": PASSWORD}), 401)


def test_logger_tour_in_cookie_mode():
    """register, login, me, refresh, logout as a browser does it: cookies plus X-CSRF-Token."""
    client = APIClient()
    assert client.post(REGISTER, {"email": "tour@example.com", "password": "a-Long-pass-91"}).status_code == 201
    login = client.post(LOGIN, {"email": "tour@example.com", "password": "a-Long-pass-91"})
    assert login.status_code == 200
    csrf = client.cookies["csrf_token"].value

    me = client.get(ME)
    assert me.status_code == 200
    assert me.json()["email"] == "tour@example.com"

    # A cookie-authenticated write needs the header, and it must match the cookie.
    assert_error(client.patch(ME, {"display_name": "Tour"}), 403, "csrf_failed")
    assert_error(client.patch(ME, {"display_name": "Tour"}, HTTP_X_CSRF_TOKEN="forged"), 403, "csrf_failed")
    patched = client.patch(ME, {"display_name": "Tour"}, HTTP_X_CSRF_TOKEN=csrf)
    assert patched.status_code == 200
    assert patched.json()["user"]["display_name"] == "Tour"

    old_refresh = client.cookies["refresh_token"].value
    assert_error(client.post(REFRESH), 403, "csrf_failed")
    refreshed = client.post(REFRESH, HTTP_X_CSRF_TOKEN=csrf)
    assert refreshed.status_code == 200
    assert client.cookies["refresh_token"].value != old_refresh
    new_csrf = client.cookies["csrf_token"].value
    assert new_csrf != csrf

    # The rotated-out refresh token is dead.
    assert_error(APIClient().post(REFRESH, {"refresh_token": old_refresh}), 401)

    logout = client.post(LOGOUT, HTTP_X_CSRF_TOKEN=new_csrf)
    assert logout.status_code == 204
    assert client.cookies["access_token"].value == ""
    assert client.cookies["refresh_token"]["max-age"] == 0
    refresh_after_logout = refreshed.json()["refresh_token"]
    assert_error(APIClient().post(REFRESH, {"refresh_token": refresh_after_logout}), 401)
    assert AuditEvent.objects.filter(action="auth.logout").count() == 1


def test_logger_tour_in_bearer_mode():
    client = APIClient()
    tokens = client.post(REGISTER, {"email": "bearer@example.com", "password": "a-Long-pass-91"}).json()
    client.cookies.clear()
    tokens = client.post(LOGIN, {"email": "bearer@example.com", "password": "a-Long-pass-91"}).json()
    client.cookies.clear()

    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert bearer.get(ME).json()["email"] == "bearer@example.com"
    # No CSRF header needed with Bearer.
    assert bearer.patch(ME, {"display_name": "B"}).status_code == 200

    refreshed = APIClient().post(REFRESH, {"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    assert_error(APIClient().post(REFRESH, {"refresh_token": tokens["refresh_token"]}), 401, "token_not_valid")
    # `refresh` is accepted as the field name too (simplejwt clients send it).
    again = APIClient().post(REFRESH, {"refresh": refreshed.json()["refresh_token"]})
    assert again.status_code == 200

    assert APIClient().post(LOGOUT, {"refresh_token": again.json()["refresh_token"]}).status_code == 204
    assert_error(APIClient().post(REFRESH, {"refresh_token": again.json()["refresh_token"]}), 401)


def test_bearer_header_wins_over_a_stale_cookie(user):
    client = APIClient()
    client.cookies["access_token"] = "garbage"
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token_pair(user).access}")
    assert client.post(REVOKE_ALL).status_code == 200


def test_logout_without_a_refresh_token_is_a_400():
    # Nothing to revoke: a 204 here would tell the client it was logged out (test_logout.py).
    assert_error(APIClient().post(LOGOUT), 400, "refresh_token_missing")


def test_revoke_all_kills_existing_access_and_refresh_tokens(user):
    first = issue_token_pair(user)
    second = issue_token_pair(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {first.access}")
    assert client.get(ME).status_code == 200

    response = client.post(REVOKE_ALL)
    assert response.status_code == 200
    assert response.json()["refresh_tokens_revoked"] == 2

    assert_error(client.get(ME), 401, "token_revoked")
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {second.access}")
    assert_error(other.get(ME), 401, "token_revoked")
    for pair in (first, second):
        assert_error(APIClient().post(REFRESH, {"refresh_token": pair.refresh}), 401)
    assert AuditEvent.objects.filter(action="auth.revoke_all", actor=user).exists()
    # A fresh login works again.
    assert APIClient().post(LOGIN, {"email": user.email, "password": PASSWORD}).status_code == 200


def _bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def test_refresh_token_used_as_access_token_is_401(user):
    assert_error(_bearer(issue_token_pair(user).refresh).get(ME), 401, "token_not_valid")


def test_alg_none_token_is_401(user):
    claims = {"token_type": "access", "sub": str(user.uuid), "ver": 0, "exp": 9999999999, "jti": "x"}
    unsigned = jwt.encode(claims, key=None, algorithm="none")
    assert_error(_bearer(unsigned).get(ME), 401)


def test_tampered_token_is_401(user):
    header, payload, signature = issue_token_pair(user).access.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert_error(_bearer(f"{header}.{payload}.{flipped}").get(ME), 401)


def test_token_signed_with_another_key_is_401(user):
    claims = {"token_type": "access", "sub": str(user.uuid), "ver": 0, "exp": 9999999999, "jti": "x"}
    assert_error(_bearer(jwt.encode(claims, "another-key-that-is-long-enough-00", "HS256")).get(ME), 401)


def test_expired_access_token_is_401_with_its_own_code(user):
    token = AccessToken.for_user(user)
    token["ver"] = user.token_version
    token.set_exp(lifetime=-timedelta(seconds=1))
    assert_error(_bearer(str(token)).get(ME), 401, "token_expired")


def test_expired_refresh_token_is_401(user):
    token = RefreshToken.for_user(user)
    token["ver"] = user.token_version
    token.set_exp(lifetime=-timedelta(seconds=1))
    assert_error(APIClient().post(REFRESH, {"refresh_token": str(token)}), 401, "token_not_valid")


def test_garbage_tokens_are_401_not_500():
    for raw in ("", "abc", "a.b.c", "Bearer", "🙂"):
        response = _bearer(raw).get(ME)
        assert response.status_code == 401, raw
    assert_error(APIClient().post(REFRESH, {"refresh_token": "a.b.c"}), 401)


def test_deleted_and_inactive_users_tokens_are_401():
    gone = UserFactory()
    gone_token = issue_token_pair(gone).access
    gone.delete()
    assert_error(_bearer(gone_token).get(ME), 401, "user_not_found")

    inactive = UserFactory()
    pair = issue_token_pair(inactive)
    inactive.is_active = False
    inactive.save()
    assert_error(_bearer(pair.access).get(ME), 401, "user_inactive")
    assert_error(APIClient().post(REFRESH, {"refresh_token": pair.refresh}), 401)


def test_anonymous_request_is_401_with_www_authenticate():
    response = APIClient().get(ME)
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_reverse_names_resolve():
    assert reverse("accounts:login") == LOGIN
    assert reverse("accounts:me") == ME


@pytest.mark.parametrize("route", [REFRESH, LOGOUT])
def test_refresh_and_logout_decode_the_token_once(route, user, monkeypatch):
    pair = issue_token_pair(user)
    decode = token_backend.decode
    calls = []

    def counting_decode(*args, **kwargs):
        calls.append(args)
        return decode(*args, **kwargs)

    monkeypatch.setattr(token_backend, "decode", counting_decode)
    response = APIClient().post(route, {"refresh_token": pair.refresh})

    assert response.status_code in (200, 204)
    assert len(calls) == 1


def test_a_refused_csrf_check_leaves_the_refresh_token_usable(user):
    pair = issue_token_pair(user)
    client = APIClient()
    client.cookies["refresh_token"] = pair.refresh
    client.cookies["csrf_token"] = pair.csrf

    assert_error(client.post(REFRESH, HTTP_X_CSRF_TOKEN="forged"), 403, "csrf_failed")
    assert client.post(REFRESH, HTTP_X_CSRF_TOKEN=pair.csrf).status_code == 200
    assert_error(APIClient().post(REFRESH, {"refresh_token": pair.refresh}), 401, "token_not_valid")
