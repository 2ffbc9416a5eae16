"""Logger's Vue SPA against /compat/logger/, as a browser runs it: cookies only (the SPA never
sees a token), `X-CSRF-Token` read from the `csrf_token` cookie on writes, the week board's
array, the timer's provisional end ticked by PATCH, edits, deletes, the silent refresh without a
CSRF header after a 401, and logout."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import PASSWORD, UserFactory
from tracking.models import TimeEntry
from tracking.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db
BASE = "/compat/logger/api"


class Browser:
    """What TimeBoard.vue's apiFetch does: credentials included, the CSRF header from the cookie
    on POST/PATCH/DELETE (empty when the cookie is missing), JSON bodies."""

    def __init__(self):
        self.client = APIClient()

    def csrf(self) -> str:
        cookie = self.client.cookies.get("csrf_token")
        return cookie.value if cookie else ""

    def get(self, path):
        return self.client.get(f"{BASE}{path}")

    def write(self, method, path, body=None, csrf=None):
        header = self.csrf() if csrf is None else csrf
        return getattr(self.client, method)(
            f"{BASE}{path}", body, format="json" if body is not None else None, HTTP_X_CSRF_TOKEN=header
        )


def utc(**delta):
    return (timezone.now() + timedelta(**delta)).replace(microsecond=0)


def z(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_register_then_me_sets_the_three_cookies_as_the_spa_needs_them():
    browser = Browser()

    created = browser.write(
        "post", "/auth/register", {"name": "Ann", "email": "ann@example.com", "password": "a-Long-pass-91"}, csrf=""
    )

    assert created.status_code == 201
    assert created.json()["email"] == "ann@example.com"
    cookies = created.cookies
    assert cookies["access_token"]["httponly"] and cookies["refresh_token"]["httponly"]
    assert not cookies["csrf_token"]["httponly"]
    assert cookies["csrf_token"]["path"] == "/" and cookies["access_token"]["path"] == "/"
    assert cookies["refresh_token"]["path"] == "/compat/logger/api/auth/"
    assert cookies["csrf_token"]["samesite"] == "Lax"
    me = browser.get("/auth/me")
    assert me.status_code == 200
    assert me.json()["id"] == created.json()["id"]

    again = Browser().write(
        "post", "/auth/register", {"email": "ann@example.com", "password": "a-Long-pass-91"}, csrf=""
    )
    assert (again.status_code, again.json()) == (409, {"detail": "Email already registered"})
    weak = Browser().write("post", "/auth/register", {"email": "bob@example.com", "password": "short"}, csrf="")
    assert weak.status_code == 422
    assert isinstance(weak.json()["detail"], str)


def test_login_failure_and_signed_out_me():
    user = UserFactory()

    assert Browser().get("/auth/me").status_code == 401
    wrong = Browser().write("post", "/auth/login", {"email": user.email, "password": "nope"}, csrf="")
    assert (wrong.status_code, wrong.json()) == (401, {"detail": "Invalid credentials"})


def signed_in(user) -> Browser:
    browser = Browser()
    login = browser.write("post", "/auth/login", {"email": user.email, "password": PASSWORD}, csrf="")
    assert login.status_code == 200
    assert login.json()["id"] == str(user.uuid)
    return browser


def test_week_board_timer_edit_and_delete(django_assert_max_num_queries):
    user = UserFactory()
    browser = signed_in(user)
    monday = utc(hours=-3)

    # Start: POST with a provisional end a minute ahead, then PATCH the end every 30 s.
    start = utc(minutes=-1)
    started = browser.write(
        "post",
        "/time-entries/",
        {
            "project_code": "BASEBALL",
            "activity": "Batting",
            "start_utc": z(start),
            "end_utc": z(start + timedelta(minutes=2)),
            "notes": "[prio:high] cage",
        },
    )
    assert started.status_code == 201, started.content
    entry_id = started.json()["id"]
    now = utc()
    tick = browser.write("patch", f"/time-entries/{entry_id}", {"end_utc": z(now)})
    assert tick.status_code == 200
    assert tick.json()["end_utc"] == z(now).replace(".000Z", "Z")

    # A manual card on an existing Timekeep project is booked on it.
    ProjectFactory(code="ADMIN")
    card = browser.write(
        "post",
        "/time-entries/",
        {
            "project_code": "admin",
            "activity": "Mail",
            "start_utc": z(monday),
            "end_utc": z(monday + timedelta(minutes=45)),
            "notes": "[prio:normal]",
        },
    )
    assert card.status_code == 201
    assert TimeEntry.objects.get(uuid=card.json()["id"]).project.code == "ADMIN"

    # The week board: a plain array, iterated; the fields the UI reads.
    with django_assert_max_num_queries(6):
        week = browser.get(f"/time-entries/?from={z(utc(days=-1))}&to={z(utc(days=6))}")
    assert week.status_code == 200
    rows = week.json()
    assert isinstance(rows, list)
    by_id = {row["id"]: row for row in rows}
    assert (by_id[entry_id]["project_code"], by_id[entry_id]["activity"], by_id[entry_id]["notes"]) == (
        "BASEBALL",
        "Batting",
        "[prio:high] cage",
    )
    assert by_id[card.json()["id"]]["project_code"] == "ADMIN"
    assert {"id", "project_code", "activity", "start_utc", "end_utc", "notes", "seconds"} <= set(rows[0])
    assert by_id[card.json()["id"]]["seconds"] == 45 * 60
    assert rows[0]["start_utc"].endswith("Z")

    # Full edit (drag-and-drop to another lane), then the debug sheet lists without a query.
    moved = browser.write(
        "patch",
        f"/time-entries/{card.json()['id']}",
        {
            "project_code": "GARDEN",
            "activity": "Weeding",
            "start_utc": z(monday),
            "end_utc": z(monday + timedelta(minutes=30)),
            "notes": "[prio:low]",
        },
    )
    assert moved.status_code == 200
    assert (moved.json()["project_code"], moved.json()["activity"], moved.json()["seconds"]) == (
        "GARDEN",
        "Weeding",
        1800,
    )
    assert len(browser.get("/time-entries/").json()) == 2

    # An overlapping card is refused as the original did.
    overlap = browser.write(
        "post",
        "/time-entries/",
        {
            "project_code": "X",
            "activity": "",
            "start_utc": z(monday),
            "end_utc": z(monday + timedelta(minutes=10)),
            "notes": "",
        },
    )
    assert (overlap.status_code, overlap.json()) == (409, {"detail": "Overlapping time entry for user"})

    # Delete; a card id the server never issued is a 404.
    assert browser.write("delete", f"/time-entries/{card.json()['id']}").status_code == 204
    assert (
        browser.write("patch", "/time-entries/9b2f64c0-4b8e-4f0e-9a39-6f1f4c6e1d2a", {"end_utc": z(utc())}).status_code
        == 404
    )


def test_writes_need_the_csrf_header_equal_to_the_cookie():
    browser = signed_in(UserFactory())
    body = {
        "project_code": "",
        "activity": "x",
        "start_utc": z(utc(hours=-2)),
        "end_utc": z(utc(hours=-1)),
        "notes": "",
    }

    missing = browser.write("post", "/time-entries/", body, csrf="")
    forged = browser.write("post", "/time-entries/", body, csrf="forged")

    assert (missing.status_code, missing.json()) == (403, {"detail": "CSRF validation failed"})
    assert forged.status_code == 403
    assert browser.write("post", "/time-entries/", body).status_code == 201


def test_silent_refresh_after_a_401_keeps_the_csrf_value_so_the_retried_write_passes(settings):
    user = UserFactory()
    browser = signed_in(user)
    csrf_before = browser.csrf()
    body = {
        "project_code": "",
        "activity": "x",
        "start_utc": z(utc(hours=-2)),
        "end_utc": z(utc(hours=-1)),
        "notes": "",
    }
    browser.client.cookies["access_token"] = "expired-or-garbage"

    failed = browser.write("post", "/time-entries/", body, csrf=csrf_before)
    assert failed.status_code == 401
    # No body, no X-CSRF-Token: only the refresh cookie.
    refreshed = browser.client.post(f"{BASE}/auth/refresh")
    assert refreshed.status_code == 200, refreshed.content
    assert refreshed.json()["id"] == str(user.uuid)
    assert "access_token" not in refreshed.json() and "refresh_token" not in refreshed.json()
    assert browser.csrf() == csrf_before
    retried = browser.write("post", "/time-entries/", body, csrf=csrf_before)
    assert retried.status_code == 201


def test_the_refresh_rotates_and_the_old_refresh_cookie_is_dead():
    browser = signed_in(UserFactory())
    old = browser.client.cookies["refresh_token"].value

    assert browser.client.post(f"{BASE}/auth/refresh").status_code == 200
    assert browser.client.cookies["refresh_token"].value != old

    thief = APIClient()
    thief.cookies["refresh_token"] = old
    assert thief.post(f"{BASE}/auth/refresh").status_code == 401


def test_with_samesite_none_the_refresh_needs_the_csrf_header_like_the_canonical_api(settings):
    settings.COOKIE_SAMESITE = "None"
    settings.COOKIE_SECURE = True
    browser = signed_in(UserFactory())

    refused = browser.client.post(f"{BASE}/auth/refresh")
    assert refused.status_code == 403
    assert browser.client.post(f"{BASE}/auth/refresh", HTTP_X_CSRF_TOKEN=browser.csrf()).status_code == 200


def test_the_canonical_refresh_still_needs_the_csrf_header():
    user = UserFactory()
    client = APIClient()
    client.post("/api/v1/auth/login/", {"email": user.email, "password": PASSWORD}, format="json")

    assert client.post("/api/v1/auth/refresh/").status_code == 403


def test_logout_clears_the_cookies_and_ends_both_tokens():
    user = UserFactory()
    browser = signed_in(user)
    access = browser.client.cookies["access_token"].value
    refresh = browser.client.cookies["refresh_token"].value

    out = browser.write("post", "/auth/logout")

    assert (out.status_code, out.json()) == (200, {"ok": True})
    assert out.cookies["access_token"].value == "" and out.cookies["csrf_token"].value == ""
    assert out.cookies["refresh_token"]["max-age"] == 0
    assert browser.get("/auth/me").status_code == 401
    replay = APIClient()
    replay.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert replay.get("/api/v1/auth/me/").status_code == 401
    thief = APIClient()
    thief.cookies["refresh_token"] = refresh
    assert thief.post(f"{BASE}/auth/refresh").status_code == 401


def test_the_later_clients_running_timer_is_timekeeps_running_timer():
    user = UserFactory()
    browser = signed_in(user)

    started = browser.write(
        "post",
        "/time-entries/",
        {"project_code": "", "activity": "Focus", "start_utc": z(utc(minutes=-5)), "end_utc": None, "notes": ""},
    )
    second = browser.write(
        "post",
        "/time-entries/",
        {"project_code": "", "activity": "Other", "start_utc": z(utc(minutes=-1)), "end_utc": None, "notes": ""},
    )

    assert started.status_code == 201
    assert (started.json()["running"], started.json()["end_utc"]) == (True, None)
    assert (second.status_code, second.json()) == (409, {"detail": "A timer is already running"})
    stopped = browser.write("patch", f"/time-entries/{started.json()['id']}", {"end_utc": z(utc())})
    assert stopped.json()["running"] is False


def test_a_planted_csrf_cookie_is_not_carried_over_by_the_refresh():
    browser = signed_in(UserFactory())
    browser.client.cookies["csrf_token"] = "planted-by-a-sibling-site"

    assert browser.client.post(f"{BASE}/auth/refresh").status_code == 200
    assert browser.csrf() not in {"planted-by-a-sibling-site", ""}


def test_cors_preflight_and_credentialed_answer_for_the_spas_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:5173"]
    browser = signed_in(UserFactory())

    preflight = APIClient().options(
        f"{BASE}/time-entries/9b2f64c0-4b8e-4f0e-9a39-6f1f4c6e1d2a",
        HTTP_ORIGIN="http://localhost:5173",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type,x-csrf-token",
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert preflight["Access-Control-Allow-Credentials"] == "true"
    assert "x-csrf-token" in preflight["Access-Control-Allow-Headers"].lower()
    assert "PATCH" in preflight["Access-Control-Allow-Methods"]
    answer = browser.client.get(f"{BASE}/auth/me", HTTP_ORIGIN="http://localhost:5173")
    assert answer["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert answer["Access-Control-Allow-Credentials"] == "true"


def test_an_origin_outside_the_allow_list_gets_no_cors_grant(settings):
    settings.CORS_ALLOWED_ORIGINS = ["http://localhost:5173"]

    preflight = APIClient().options(
        f"{BASE}/auth/refresh",
        HTTP_ORIGIN="https://evil.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )

    assert "Access-Control-Allow-Origin" not in preflight
