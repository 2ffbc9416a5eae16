"""What the clients write through their mounts are ordinary time entries: a JLC lap, a Logger
entry, a LockIN log and a Time Tracker entry show up in `/api/v1/time-entries/` and are counted
by `/api/v1/reports/summary/`, with the same user and the same token everywhere."""

import pytest

from accounts.tests.factories import PASSWORD, UserFactory
from groups.tests.factories import GroupFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_lap_an_entry_a_log_and_a_tracker_entry_are_the_same_rows(client_for, clock):
    user = UserFactory(timezone="UTC")
    group = GroupFactory()
    MembershipFactory(group=group, user=user)
    bearer = client_for(user)  # one access token for every mount and the canonical API

    # Just Like Clockwork: a session with one lap, in local time.
    session_id = bearer.post(
        "/compat/jlc/api/sessions/", {"sessionName": "S", "description": ""}, format="json"
    ).json()["id"]
    lap = bearer.post(
        f"/compat/jlc/api/sessions/{session_id}/laps",
        {"lapName": "jlc", "startedAt": "9/15/2025, 6:00:00 AM", "endedAt": "9/15/2025, 6:30:00 AM", "duration": 1800},
        format="json",
    )
    assert lap.status_code == 200, lap.content

    # Logger: the same person signs in with cookies on its mount.
    logger = type(bearer)()
    assert (
        logger.post(
            "/compat/logger/api/auth/login", {"email": user.email, "password": PASSWORD}, format="json"
        ).status_code
        == 200
    )
    entry = logger.post(
        "/compat/logger/api/time-entries/",
        {
            "project_code": "LANE",
            "activity": "logger",
            "start_utc": "2025-09-15T07:00:00.000Z",
            "end_utc": "2025-09-15T07:45:00.000Z",
            "notes": "[prio:normal]",
        },
        format="json",
        HTTP_X_CSRF_TOKEN=logger.cookies["csrf_token"].value,
    )
    assert entry.status_code == 201, entry.content

    # LockIN: a log in a group session.
    lockin_session = bearer.post("/compat/lockin/api/sessions", {"group_id": str(group.uuid)}, format="json").json()[
        "id"
    ]
    logged = bearer.post(
        f"/compat/lockin/api/sessions/{lockin_session}/logs",
        {"user_id": str(user.uuid), "started_at": "2025-09-15T08:00:00.000Z", "ended_at": "2025-09-15T08:20:00.000Z"},
        format="json",
    )
    assert logged.status_code == 201, logged.content

    # Time Tracker: a manual entry.
    tracked = bearer.post(
        "/compat/timetracker/api/v1/time-entries",
        {
            "start_time": "2025-09-15T08:30:00.000Z",
            "end_time": "2025-09-15T08:40:00.000Z",
            "description": "tt",
            "is_manual_entry": True,
        },
        format="json",
    )
    assert tracked.status_code == 200, tracked.content

    listed = bearer.get("/api/v1/time-entries/?from=2025-09-15T00:00:00Z&to=2025-09-16T00:00:00Z")
    assert listed.status_code == 200
    rows = {row["id"]: row for row in listed.json()["results"]}
    assert len(rows) == 4
    assert {lap.json()["id"], entry.json()["id"], tracked.json()["id"]} <= set(rows)
    assert rows[lap.json()["id"]]["session"] == session_id
    assert (rows[lap.json()["id"]]["start_utc"], rows[lap.json()["id"]]["duration"]) == ("2025-09-15T06:00:00Z", 1800)
    assert rows[entry.json()["id"]]["activity"] == "[LANE] logger"
    logs = [row for row in rows.values() if row["session"] == lockin_session]
    assert [(row["start_utc"], row["duration"]) for row in logs] == [("2025-09-15T08:00:00Z", 1200)]
    assert rows[tracked.json()["id"]]["notes"] == "tt"

    summary = bearer.get("/api/v1/reports/summary/?from=2025-09-15T00:00:00Z&to=2025-09-16T00:00:00Z&group=user")
    assert summary.status_code == 200, summary.content
    assert summary.json()["seconds"] == 1800 + 2700 + 1200 + 600
