"""A JSON body naming a field the endpoint does not know is a 400 `unknown_field` naming it, on
every route of /api/v1/, instead of a success that ignored it (LockIN's `{group_id}` once made a
personal session; `{full_name}` on users/me changed nothing)."""

import re
from urllib.parse import urlencode

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.tests.factories import NotificationFactory
from groups.tests.factories import GroupFactory, InviteFactory
from leave.tests.factories import HolidayFactory, LeaveTypeFactory
from media.tests.factories import ImageFactory
from tracking.tests.factories import ProjectFactory, SessionFactory, TaskFactory, TimeEntryFactory, at

pytestmark = pytest.mark.django_db

UNKNOWN = "zz_not_a_field"


def test_an_unknown_field_is_named_in_a_400(client_for, user):
    response = client_for(user).patch("/api/v1/users/me/", {"full_name": "Ada Lovelace"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "unknown_field"
    assert error["fields"] == {"full_name": ["Unknown field."]}
    assert "full_name" in error["message"]
    user.refresh_from_db()
    assert user.display_name != "Ada Lovelace"


def test_every_unknown_field_is_named_also_next_to_valid_ones(client_for, user):
    body = {"start_utc": "2025-09-15T07:00:00Z", "end_utc": "2025-09-15T08:00:00Z", "colour": "red", "tags": []}

    response = client_for(user).post("/api/v1/time-entries/", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"colour": ["Unknown field."], "tags": ["Unknown field."]}
    assert response.json()["error"]["message"] == "Unknown fields: colour, tags."


def test_unknown_fields_inside_nested_objects_and_lists_are_named_with_their_path(client_for, user):
    laps = [
        {"start_utc": "2025-09-15T07:00:00Z", "end_utc": "2025-09-15T08:00:00Z"},
        {"start_utc": "2025-09-15T08:00:00Z", "end_utc": "2025-09-15T09:00:00Z", "lapName": "x"},
    ]

    sessions = client_for(user).post("/api/v1/sessions/", {"laps": laps}, format="json")
    settings = client_for(user).patch(
        "/api/v1/settings/", {"notification_preferences": {"email": True, "sms": True}}, format="json"
    )

    assert sessions.status_code == 400
    assert sessions.json()["error"]["fields"] == {"laps": [{}, {"lapName": ["Unknown field."]}]}
    assert sessions.json()["error"]["message"] == "Unknown field: laps[1].lapName."
    assert settings.status_code == 400
    assert settings.json()["error"]["message"] == "Unknown field: notification_preferences.sms."


def test_forms_and_query_strings_are_not_checked(user):
    """OAuth2 password-grant forms carry fields of their own (client_id, ...), and query strings
    carry paging and filters: only JSON objects are held to the serializer's fields."""
    from accounts.tests.factories import PASSWORD

    body = urlencode({"grant_type": "password", "username": user.email, "password": PASSWORD, "client_id": "swagger"})
    form = APIClient().post("/api/v1/auth/login/", body, content_type="application/x-www-form-urlencoded")

    assert form.status_code == 200


def _json_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
            if "application/json" in content:
                yield method, path


def test_every_json_route_refuses_a_body_with_an_unknown_field(client_for, admin_user):
    """Walks every operation of the published schema that takes JSON, as an ADMIN who owns the
    objects in the path. Nothing answers 2xx; where the request gets as far as reading its body,
    the answer is the 400 naming the field."""
    session = SessionFactory(owner=admin_user)
    objects = {
        "sessions": session.uuid,
        "time-entries": TimeEntryFactory(user=admin_user, session=session, start=at(0, 9), end=at(0, 10)).uuid,
        "notifications": NotificationFactory(user=admin_user).uuid,
        "images": ImageFactory(owner=admin_user, key=f"{admin_user.uuid}/x.png").uuid,
        "groups": GroupFactory(owner=admin_user).uuid,
        "user_id": admin_user.uuid,
        "users": admin_user.uuid,
        "projects": ProjectFactory().uuid,
        "tasks": TaskFactory().uuid,
        "holidays": HolidayFactory().uuid,
        "types": LeaveTypeFactory().uuid,
    }
    objects["invites"] = InviteFactory(group_id=GroupFactory(owner=admin_user).pk).uuid
    client = client_for(admin_user)
    refused, other = [], []
    for method, path in _json_operations():
        parts = path.split("/")
        default = objects.get(parts[parts.index("{id}") - 1] if "{id}" in parts else "", session.uuid)
        url = re.sub(r"{(\w+)}", lambda m, default=default: str(objects.get(m[1], default)), path)
        response = getattr(client, method)(url, {UNKNOWN: True}, format="json")
        assert not 200 <= response.status_code < 300, (method, path, response.content)
        if response.status_code == 400 and response.json()["error"]["code"] == "unknown_field":
            assert response.json()["error"]["fields"] == {UNKNOWN: ["Unknown field."]}
            refused.append((method, path))
        else:
            other.append((method, path, response.status_code))
    assert ("post", "/api/v1/sessions/") in refused
    assert ("patch", "/api/v1/auth/me/") in refused
    assert ("post", "/api/v1/time-entries/") in refused
    # What did not get as far as its body was stopped before it, by a 403/404/405/409 of its own.
    assert {status for *_, status in other} <= {403, 404, 405, 409}, other
    assert len(refused) > 3 * len(other), other
