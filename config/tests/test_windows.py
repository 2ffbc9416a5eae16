"""The one `from`/`to` window check: every window endpoint, whether it reads the window with a
query serializer or a filter set, refuses a bad window with the same 400."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.exceptions import ValidationError

from config.api.queries import check_window, window_query

pytestmark = pytest.mark.django_db

BACKWARDS = "from=2025-09-22T00:00:00Z&to=2025-09-15T00:00:00Z"
EMPTY = "from=2025-09-15T00:00:00Z&to=2025-09-15T00:00:00Z"
T0 = datetime(2025, 9, 15, tzinfo=UTC)


@pytest.mark.parametrize("path", ["/api/v1/time-entries/", "/api/v1/sessions/by-date/", "/api/v1/compliance/"])
@pytest.mark.parametrize("window", [BACKWARDS, EMPTY])
def test_to_must_come_after_from_on_every_window_endpoint(client_for, user, path, window):
    response = client_for(user).get(f"{path}?{window}")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"] == {"to": ["Must be after `from`."]}


def test_a_bounded_window_names_its_limit(client_for, user):
    response = client_for(user).get("/api/v1/compliance/?from=2024-01-01T00:00:00Z&to=2025-01-02T00:00:01Z")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"to": ["At most 366 days after `from`."]}
    exactly = client_for(user).get("/api/v1/compliance/?from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z")
    assert exactly.status_code == 200


def test_check_window_leaves_an_open_window_alone():
    check_window(None, T0)
    check_window(T0, None)
    check_window(T0, T0 + timedelta(days=7), max_days=7)


def test_check_window_messages_follow_the_parameter_names():
    with pytest.raises(ValidationError) as caught:
        check_window(T0, T0, start_name="start", end_name="end")
    assert caught.value.detail == {"end": ["Must be after `start`."]}
    with pytest.raises(ValidationError) as caught:
        check_window(T0, T0 + timedelta(days=2, seconds=1), max_days=2)
    assert caught.value.detail == {"to": ["At most 2 days after `from`."]}


def test_window_query_builds_a_named_serializer_with_the_check():
    query = window_query("ExampleWindowInput", max_days=1)
    assert query.__name__ == "ExampleWindowInput"
    ok = query(data={"from": "2025-09-15T00:00:00+02:00", "to": "2025-09-16T00:00:00+02:00"})
    assert ok.is_valid(), ok.errors
    assert ok.validated_data["from"] == datetime(2025, 9, 14, 22, tzinfo=UTC)
    too_long = query(data={"from": "2025-09-15T00:00:00Z", "to": "2025-09-16T00:00:01Z"})
    assert not too_long.is_valid()
    assert too_long.errors == {"to": ["At most 1 days after `from`."]}
