"""C3PO's SvelteKit server against /compat/c3po/, call by call as its client makes them (see
docs/clients.md): JSON login, me on every page, refresh when me fails, logout; plus the seed
backend's own tests (register, form login, me without a token)."""

from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db
BASE = "/compat/c3po/api/v1"


def server() -> APIClient:
    """SvelteKit's server-side fetch: JSON, no cookies of Timekeep's."""
    return APIClient()


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_login_me_refresh_logout_as_the_hooks_do():
    user = UserFactory(display_name="Ada Lovelace")

    login = server().post(f"{BASE}/auth/login/json", {"email": user.email, "password": PASSWORD}, format="json")
    assert login.status_code == 200
    tokens = login.json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type"}
    assert tokens["token_type"] == "bearer"
    assert "access_token" not in login.cookies  # the SvelteKit server keeps its own cookies

    me = bearer(tokens["access_token"]).get(f"{BASE}/auth/me")
    assert me.status_code == 200
    body = me.json()
    assert (body["id"], body["email"], body["first_name"], body["last_name"], body["role"]) == (
        str(user.uuid),
        user.email,
        "Ada",
        "Lovelace",
        "user",
    )
    assert "password" not in body

    refreshed = server().post(f"{BASE}/auth/refresh", {"refresh_token": tokens["refresh_token"]}, format="json")
    assert refreshed.status_code == 200
    pair = refreshed.json()
    assert pair["refresh_token"] != tokens["refresh_token"]
    # Rotation: the old refresh token is gone, as in the original.
    reused = server().post(f"{BASE}/auth/refresh", {"refresh_token": tokens["refresh_token"]}, format="json")
    assert (reused.status_code, reused.json()) == (401, {"detail": "Invalid refresh token"})

    # Logout: Bearer, JSON content type, no body. It ends that access token.
    logout = bearer(pair["access_token"]).post(f"{BASE}/auth/logout", content_type="application/json")
    assert (logout.status_code, logout.json()) == (200, {"message": "Successfully logged out"})
    assert bearer(pair["access_token"]).get(f"{BASE}/auth/me").status_code == 401
    # The same token is refused by the canonical API too.
    assert bearer(pair["access_token"]).get("/api/v1/auth/me/").status_code == 401
    assert AuditEvent.objects.filter(action="auth.logout", actor=user).count() == 1


def test_a_failed_login_answers_detail_as_a_string():
    user = UserFactory()

    response = server().post(f"{BASE}/auth/login/json", {"email": user.email, "password": "wrong"}, format="json")

    assert response.status_code == 401
    assert response.json() == {"detail": "Incorrect email or password"}


def test_the_forwarded_cookies_of_the_sveltekit_app_are_not_read():
    """SvelteKit forwards the browser's `access_token`/`refresh_token` cookies (C3PO's own) to an
    API on the same host, without X-CSRF-Token: the calls must still work by header and body."""
    user = UserFactory()
    tokens = server().post(f"{BASE}/auth/login/json", {"email": user.email, "password": PASSWORD}, format="json")
    tokens = tokens.json()
    client = bearer(tokens["access_token"])
    client.cookies["access_token"] = "c3po-own-cookie"
    client.cookies["refresh_token"] = "c3po-own-refresh"

    assert client.get(f"{BASE}/auth/me").status_code == 200
    refreshed = client.post(f"{BASE}/auth/refresh", {"refresh_token": tokens["refresh_token"]}, format="json")
    assert refreshed.status_code == 200
    fresh = bearer(refreshed.json()["access_token"])
    fresh.cookies["access_token"] = "c3po-own-cookie"
    assert fresh.post(f"{BASE}/auth/logout", content_type="application/json").status_code == 200


def test_me_without_a_token_is_a_401_with_detail():
    response = server().get(f"{BASE}/auth/me")

    assert response.status_code == 401
    assert isinstance(response.json()["detail"], str)


def test_register_then_form_login_as_the_seed_tests_do():
    body = {"email": "r2@example.com", "password": "a-Long-pass-91", "first_name": "R", "last_name": "Two"}

    created = server().post(f"{BASE}/auth/register", body, format="json")
    assert created.status_code == 201
    assert {"id", "email", "first_name"} <= set(created.json())
    assert "password" not in created.json()
    assert User.objects.get(email="r2@example.com").display_name == "R Two"

    again = server().post(f"{BASE}/auth/register", body, format="json")
    assert (again.status_code, again.json()) == (400, {"detail": "Email already registered"})

    form = server().post(
        f"{BASE}/auth/login",
        urlencode({"username": "r2@example.com", "password": "a-Long-pass-91"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert form.status_code == 200
    assert form.json()["token_type"] == "bearer"
    wrong = server().post(
        f"{BASE}/auth/login",
        urlencode({"username": "r2@example.com", "password": "nope"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert (wrong.status_code, wrong.json()) == (401, {"detail": "Incorrect email or password"})


def test_malformed_input_is_a_422_with_a_string_detail():
    response = server().post(f"{BASE}/auth/register", {"email": "not-an-email"}, format="json")

    assert response.status_code == 422
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize("path", ["/auth/me", "/auth/me/", "/auth/login/json/"])
def test_paths_work_with_and_without_the_trailing_slash_and_never_redirect(path):
    response = server().get(f"{BASE}{path}")

    assert response.status_code in {401, 405}
    assert "Location" not in response


def test_an_unknown_path_under_the_mount_is_a_json_404():
    response = server().get(f"{BASE}/appointments/")

    assert (response.status_code, response.json()) == (404, {"detail": "Not Found"})


def test_the_canonical_tokens_work_on_the_mount_and_back():
    user = UserFactory()
    canonical = server().post("/api/v1/auth/login/", {"email": user.email, "password": PASSWORD}, format="json")

    assert bearer(canonical.json()["access_token"]).get(f"{BASE}/auth/me").status_code == 200
    mounted = server().post(f"{BASE}/auth/login/json", {"email": user.email, "password": PASSWORD}, format="json")
    assert bearer(mounted.json()["access_token"]).get("/api/v1/auth/me/").status_code == 200
