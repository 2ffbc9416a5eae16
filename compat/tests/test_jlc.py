"""Just Like Clockwork's SPA against /compat/jlc/, as its apiClient.js calls it: the health
probe, sign-up and login with a username, a live session whose laps carry `toLocaleString()`
times, a lap image, completion, the Sessions page's list and detail, lap edits, the offline
sync, token refresh without rotation, logout, and the Settings page's eight settings."""

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from compat.jlc.translators import client_time
from config.errors import ValidationFailed
from media.tests.factories import jpeg_bytes
from tracking.models import Session, TimeEntry

pytestmark = pytest.mark.django_db
MOUNT = "/compat/jlc"
BASE = f"{MOUNT}/api"


class Spa:
    """apiClient.js: JSON with `Content-Type` on every call, Bearer when signed in, the tokens
    kept as it keeps them (the refresh token is never replaced)."""

    def __init__(self):
        self.client = APIClient()
        self.access = self.refresh = None

    def keep(self, body):
        self.access, self.refresh = body["accessToken"], body["refreshToken"]
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.access}")

    def call(self, method, path, body=None):
        return getattr(self.client, method)(f"{BASE}{path}", body, format="json")


def test_health_probe_answers_2xx_without_a_token():
    assert APIClient().get(f"{MOUNT}/health").status_code == 200


def test_signup_takes_the_email_as_username_and_answers_tokens():
    spa = Spa()

    created = spa.call("post", "/auth/signup", {"username": "ann@example.com", "password": "a-Long-pass-91"})

    assert created.status_code == 200
    assert {"accessToken", "refreshToken", "message"} <= set(created.json())
    assert User.objects.filter(email="ann@example.com").exists()
    twice = spa.call("post", "/auth/signup", {"username": "ann@example.com", "password": "a-Long-pass-91"})
    assert (twice.status_code, twice.json()) == (400, {"detail": "Username already exists"})


@pytest.mark.parametrize(
    ("username", "password", "fragment"),
    [("ann", "a-Long-pass-91", "e-mail address as the username"), ("bob@example.com", "123456", "")],
)
def test_a_refused_signup_answers_detail_as_one_string(username, password, fragment):
    response = Spa().call("post", "/auth/signup", {"username": username, "password": password})

    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)
    assert fragment in response.json()["detail"]


def test_login_failure_answers_the_originals_detail():
    user = UserFactory()

    response = Spa().call("post", "/auth/login", {"username": user.email, "password": "wrong"})

    assert (response.status_code, response.json()) == (401, {"detail": "Invalid username or password"})


def signed_in(**user_fields) -> tuple[Spa, User]:
    user = UserFactory(**user_fields)
    spa = Spa()
    login = spa.call("post", "/auth/login", {"username": user.email, "password": PASSWORD})
    assert login.status_code == 200, login.content
    spa.keep(login.json())
    return spa, user


def test_live_session_with_local_time_laps_image_completion_list_and_detail():
    spa, user = signed_in(timezone="Asia/Kolkata")

    # First lap of a live session: the session is created with toLocaleString() of the oldest lap.
    created = spa.call(
        "post",
        "/sessions/",
        {"sessionName": "Session 2/8/2025", "description": "In progress...", "startedAt": "2/8/2025, 3:30:00 PM"},
    )
    assert created.status_code == 200, created.content
    session_id = created.json()["id"]
    assert created.json()["isCompleted"] is False

    # en-US 12-hour times, in the account's zone (Asia/Kolkata, +05:30).
    first = spa.call(
        "post",
        f"/sessions/{session_id}/laps",
        {
            "lapName": "Emails",
            "startedAt": "2/8/2025, 3:30:00 PM",
            "endedAt": "2/8/2025, 4:15:00 PM",
            "duration": 2700,
            "isBreakLap": False,
            "hourlyAmount": 450,
        },
    )
    assert first.status_code == 200, first.content
    assert first.json()["startedAt"] == "2025-02-08T10:00:00Z"
    assert first.json()["endedAt"] == "2025-02-08T10:45:00Z"
    assert spa.call("put", f"/sessions/{session_id}", {"description": "1 laps synced (in progress)"}).status_code == 200

    # A break lap; en-GB 24-hour day-first; U+202F before PM on another engine; ISO with Z.
    second = spa.call(
        "post",
        f"/sessions/{session_id}/laps",
        {
            "lapName": "Tea",
            "startedAt": "08/02/2025, 16:15:00",
            "endedAt": "2/8/2025, 4:30:00\u202fPM",
            "duration": 900,
            "isBreakLap": True,
            "hourlyAmount": 0,
        },
    )
    third = spa.call(
        "post",
        f"/sessions/{session_id}/laps",
        {
            "lapName": "",
            "startedAt": "2025-02-08T11:00:00.000Z",
            "endedAt": "2025-02-08T11:30:00.000Z",
            "duration": 1800,
            "isBreakLap": False,
            "hourlyAmount": 450,
        },
    )
    assert second.status_code == third.status_code == 200
    assert second.json()["isBreakLap"] is True

    # The image of the first lap (as the Stop handler uploads it, matched by index).
    upload = spa.client.post(
        f"{BASE}/images/sessions/{session_id}/laps/{first.json()['id']}/upload",
        {"file": SimpleUploadedFile("lap_abc_img_0.jpg", jpeg_bytes(16, 9))},
        format="multipart",
    )
    assert upload.status_code == 200, upload.content
    assert upload.json()["url"].startswith("http")

    # Stop: completion with an ISO end.
    done = spa.call(
        "put",
        f"/sessions/{session_id}",
        {
            "endedAt": "2025-02-08T11:30:00.000Z",
            "totalDuration": 5400,
            "isCompleted": True,
            "description": "3 laps, 5400s total",
        },
    )
    assert done.status_code == 200
    assert done.json()["isCompleted"] is True
    assert Session.objects.get(uuid=session_id).status == "stopped"

    # The Sessions page's list: a plain array, without laps, the fields it reads.
    listed = spa.call("get", "/sessions/?limit=100&offset=0")
    assert listed.status_code == 200
    (row,) = listed.json()
    assert (row["id"], row["sessionName"], row["description"], row["lapCount"], row["totalDuration"]) == (
        session_id,
        "Session 2/8/2025",
        "3 laps, 5400s total",
        3,
        5400,
    )
    assert (row["startedAt"], row["endedAt"], row["isCompleted"]) == (
        "2025-02-08T10:00:00Z",
        "2025-02-08T11:30:00Z",
        True,
    )
    assert "laps" not in row

    # Detail: laps in creation order with their images.
    detail = spa.call("get", f"/sessions/{session_id}")
    laps = detail.json()["laps"]
    assert [lap["lapName"] for lap in laps] == ["Emails", "Tea", ""]
    assert [lap["lapNumber"] for lap in laps] == [1, 2, 3]
    assert [lap["duration"] for lap in laps] == [2700, 900, 1800]
    assert [lap["isBreakLap"] for lap in laps] == [False, True, False]
    assert laps[0]["images"][0]["imageId"] == upload.json()["imageId"]
    assert APIClient().get(laps[0]["images"][0]["url"]).status_code == 200  # readable without Authorization
    assert (
        spa.call("get", f"/images/sessions/{session_id}/laps/{laps[0]['id']}").json()[0]["imageId"]
        == upload.json()["imageId"]
    )

    # Sessions page edits: the break toggle, a lap name, the session name.
    assert spa.call("put", f"/sessions/{session_id}/laps/{laps[1]['id']}", {"isBreakLap": False}).status_code == 200
    assert spa.call("put", f"/sessions/{session_id}/laps/{laps[2]['id']}", {"lapName": "Review"}).status_code == 200
    assert spa.call("put", f"/sessions/{session_id}", {"sessionName": "Saturday"}).status_code == 200
    laps = spa.call("get", f"/sessions/{session_id}/laps").json()
    assert [lap["lapName"] for lap in laps] == ["Emails", "Tea", "Review"]
    assert laps[1]["isBreakLap"] is False
    # Break laps are the entries that are not billable.
    assert TimeEntry.objects.get(uuid=laps[0]["id"]).billable is True

    # Deleting the image, then the session (its laps go with it); every answer is JSON.
    removed = spa.call("delete", f"/images/{upload.json()['imageId']}")
    assert (removed.status_code, removed.json()["success"]) == (200, True)
    gone = spa.call("delete", f"/sessions/{session_id}")
    assert (gone.status_code, gone.json()["success"]) == (200, True)
    assert not TimeEntry.objects.filter(user=user).exists()


def test_offline_sync_posts_the_lap_then_its_end():
    spa, user = signed_in(timezone="Europe/Berlin")
    session_id = spa.call(
        "post", "/sessions/", {"sessionName": "Session 8.2.2025", "description": "", "startedAt": "8.2.2025, 09:00:00"}
    ).json()["id"]

    lap = spa.call("post", f"/sessions/{session_id}/laps", {"lapName": "Deep work", "startedAt": "8.2.2025, 09:00:00"})
    assert lap.status_code == 200, lap.content
    closed = spa.call(
        "put",
        f"/sessions/{session_id}/laps/{lap.json()['id']}",
        {"lapName": "Deep work", "endedAt": "8.2.2025, 10:30:00", "duration": 5400},
    )
    assert closed.status_code == 200
    assert (closed.json()["startedAt"], closed.json()["endedAt"], closed.json()["duration"]) == (
        "2025-02-08T08:00:00Z",
        "2025-02-08T09:30:00Z",
        5400,
    )
    done = spa.call(
        "put",
        f"/sessions/{session_id}",
        {
            "sessionName": "Session 8.2.2025",
            "endedAt": "8.2.2025, 10:30:00",
            "totalDuration": 5400,
            "isCompleted": True,
        },
    )
    assert done.json()["endedAt"] == "2025-02-08T09:30:00Z"


def test_a_second_upload_of_the_same_session_cannot_count_its_time_twice():
    spa, user = signed_in(timezone="UTC")
    body = {"lapName": "x", "startedAt": "2025-02-08T09:00:00Z", "endedAt": "2025-02-08T10:00:00Z", "duration": 3600}
    for _ in range(2):
        session_id = spa.call(
            "post", "/sessions/", {"sessionName": "S", "description": "", "startedAt": body["startedAt"]}
        ).json()["id"]
        spa.call("post", f"/sessions/{session_id}/laps", body)

    assert TimeEntry.objects.filter(user=user).count() == 1


def test_a_string_that_is_no_time_is_refused_not_taken_as_now():
    spa, _ = signed_in()
    session_id = spa.call("post", "/sessions/", {"sessionName": "S", "description": "", "startedAt": "x"}).json()["id"]

    response = spa.call(
        "post",
        f"/sessions/{session_id}/laps",
        {"lapName": "x", "startedAt": "yesterday-ish", "endedAt": None, "duration": 60},
    )

    assert response.status_code == 400
    assert "startedAt" in response.json()["detail"]


def test_list_paging_follows_limit_and_offset_and_refuses_a_limit_over_100():
    spa, user = signed_in()
    for name in ("one", "two", "three"):
        spa.call("post", "/sessions/", {"sessionName": name, "description": "", "startedAt": "x"})

    assert [s["sessionName"] for s in spa.call("get", "/sessions/?limit=2&offset=0").json()] == ["three", "two"]
    assert [s["sessionName"] for s in spa.call("get", "/sessions/?limit=10&offset=2").json()] == ["one"]
    assert spa.call("get", "/sessions/?limit=101&offset=0").status_code == 422


def test_someone_elses_session_is_a_404():
    spa, _ = signed_in()
    other, _ = signed_in()
    session_id = other.call("post", "/sessions/", {"sessionName": "mine", "description": "", "startedAt": "x"}).json()[
        "id"
    ]

    assert spa.call("get", f"/sessions/{session_id}").status_code == 404
    assert spa.call("put", f"/sessions/{session_id}", {"sessionName": "hijacked"}).status_code == 404
    assert spa.call("get", "/sessions/").json() == []


def test_refresh_keeps_the_refresh_token_working_and_logout_ends_it():
    spa, user = signed_in()
    refresh = spa.refresh

    for _ in range(3):  # JLC never replaces its refresh token
        renewed = spa.call("post", "/auth/refresh", {"refreshToken": refresh})
        assert renewed.status_code == 200
        assert set(renewed.json()) >= {"accessToken"}
        assert "refreshToken" not in renewed.json()
        fresh = APIClient()
        fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {renewed.json()['accessToken']}")
        assert fresh.get(f"{BASE}/sessions/").status_code == 200

    logout = Spa().call("post", "/auth/logout", {"refreshToken": refresh})
    assert (logout.status_code, logout.json()["success"]) == (200, True)
    refused = spa.call("post", "/auth/refresh", {"refreshToken": refresh})
    assert (refused.status_code, refused.json()) == (401, {"detail": "Invalid or expired refresh token"})


def test_the_non_rotating_refresh_is_only_for_tokens_handed_to_jlc():
    user = UserFactory()
    canonical = APIClient().post("/api/v1/auth/login/", {"email": user.email, "password": PASSWORD}, format="json")

    refused = Spa().call("post", "/auth/refresh", {"refreshToken": canonical.json()["refresh_token"]})
    assert refused.status_code == 401

    spa, _ = signed_in()
    # The canonical refresh rotates JLC's token like any other (it is then dead for JLC too).
    rotated = APIClient().post("/api/v1/auth/refresh/", {"refresh_token": spa.refresh}, format="json")
    assert rotated.status_code == 200
    assert spa.call("post", "/auth/refresh", {"refreshToken": spa.refresh}).status_code == 401


def test_revoke_all_ends_jlcs_refresh_token_too():
    spa, _ = signed_in()

    assert spa.client.post("/api/v1/auth/revoke-all/").status_code == 200

    assert spa.call("post", "/auth/refresh", {"refreshToken": spa.refresh}).status_code == 401


DEFAULTS = {
    "showAmount": True,
    "showStatsBeforeLaps": False,
    "breaksImpactAmount": False,
    "breaksImpactTime": False,
    "minimalistMode": False,
    "notificationEnabled": True,
    "notificationIntervalHours": 2.0,
    "hourlyAmount": 450.0,
}


def settings_of(response) -> dict:
    """What Settings.jsx reads: `(body.customSettings || body).<field>`."""
    assert response.status_code == 200, response.content
    body = response.json()
    return {name: (body.get("customSettings") or body)[name] for name in DEFAULTS}


@pytest.mark.parametrize("path", ["/settings/", "/settings"])
def test_settings_start_at_the_originals_defaults(path):
    spa, _ = signed_in()

    response = spa.call("get", path)

    assert settings_of(response) == DEFAULTS
    assert response.json() == DEFAULTS  # the flat object, nothing else


def test_the_settings_page_saves_with_customsettings_and_a_numeric_string_amount():
    spa, user = signed_in()
    # Settings.jsx sends the flat object and the same again under `customSettings`; the amount
    # is the input's text.
    page = {**DEFAULTS, "minimalistMode": True, "notificationIntervalHours": 4, "hourlyAmount": "500"}

    saved = spa.call("put", "/settings/", {**page, "customSettings": {**page, "hourlyAmount": "bogus"}})

    expected = {**DEFAULTS, "minimalistMode": True, "notificationIntervalHours": 4.0, "hourlyAmount": 500.0}
    assert settings_of(saved) == expected
    assert settings_of(spa.call("get", "/settings")) == expected
    # Another browser signed in to the same account reads them too.
    other = Spa()
    other.keep(other.call("post", "/auth/login", {"username": user.email, "password": PASSWORD}).json())
    assert settings_of(other.call("get", "/settings/")) == expected


def test_a_partial_put_changes_only_the_fields_it_names():
    spa, _ = signed_in()
    spa.call("put", "/settings/", {"showAmount": False, "hourlyAmount": 300})

    changed = spa.call("put", "/settings", {"breaksImpactTime": True, "hourlyAmount": None})

    assert settings_of(changed) == {**DEFAULTS, "showAmount": False, "breaksImpactTime": True, "hourlyAmount": 300.0}
    assert settings_of(spa.call("put", "/settings/", {})) == settings_of(changed)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"showAmount": "yes"}, "showAmount"),
        ({"minimalistMode": 1}, "minimalistMode"),
        ({"hourlyAmount": "five hundred"}, "hourlyAmount"),
        ({"hourlyAmount": True}, "hourlyAmount"),
        ({"notificationIntervalHours": -1}, "notificationIntervalHours"),
        ({"notificationIntervalHours": [2]}, "notificationIntervalHours"),
    ],
)
def test_a_setting_of_the_wrong_type_is_a_422_with_one_detail_string_and_changes_nothing(body, field):
    spa, _ = signed_in()
    spa.call("put", "/settings/", {"showAmount": False})

    refused = spa.call("put", "/settings/", {"minimalistMode": True, **body})  # the valid field is not kept either

    assert refused.status_code == 422
    assert isinstance(refused.json()["detail"], str)
    assert field in refused.json()["detail"]
    assert settings_of(spa.call("get", "/settings/")) == {**DEFAULTS, "showAmount": False}


def test_settings_are_per_account_and_need_a_token():
    spa, _ = signed_in()
    spa.call("put", "/settings/", {"minimalistMode": True})
    other, _ = signed_in()

    assert settings_of(other.call("get", "/settings/")) == DEFAULTS
    assert APIClient().get(f"{BASE}/settings/").status_code == 401


def test_a_preflight_from_the_spas_origin_is_answered(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://jlc.example.com"]

    response = APIClient().options(
        f"{BASE}/sessions/",
        HTTP_ORIGIN="https://jlc.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PUT",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type",
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://jlc.example.com"
    assert "authorization" in response["Access-Control-Allow-Headers"].lower()
    assert "PUT" in response["Access-Control-Allow-Methods"]


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("2/8/2025, 3:30:00 PM", "UTC", datetime(2025, 2, 8, 15, 30, tzinfo=UTC)),
        ("08/02/2025, 15:30:00", "UTC", datetime(2025, 2, 8, 15, 30, tzinfo=UTC)),
        ("8/2/2025, 3:30:00 pm", "UTC", datetime(2025, 2, 8, 15, 30, tzinfo=UTC)),
        ("8.2.2025, 15:30:00", "Europe/Berlin", datetime(2025, 2, 8, 14, 30, tzinfo=UTC)),
        ("2/8/2025, 3:30:00\u202fPM", "America/New_York", datetime(2025, 2, 8, 20, 30, tzinfo=UTC)),
        ("13/2/2025, 3:30:00 PM", "UTC", datetime(2025, 2, 13, 15, 30, tzinfo=UTC)),
        ("2025-02-08T10:00:00.000Z", "Asia/Kolkata", datetime(2025, 2, 8, 10, 0, tzinfo=UTC)),
        ("2025-02-08 15:30:00", "Asia/Kolkata", datetime(2025, 2, 8, 10, 0, tzinfo=UTC)),
    ],
)
def test_local_time_strings_are_read_in_the_accounts_zone(text, zone, expected):
    assert client_time(text, zone_name=zone, field="startedAt") == expected


def test_a_naive_time_is_never_read_as_utc_by_accident():
    assert client_time("2/8/2025, 3:30:00 PM", zone_name="Asia/Kolkata", field="x") != client_time(
        "2/8/2025, 3:30:00 PM", zone_name="UTC", field="x"
    )
    with pytest.raises(ValidationFailed):
        client_time("32/13/2025, 3:30:00 PM", zone_name="UTC", field="x")
