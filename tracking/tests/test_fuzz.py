"""Junk in every field of every write and every query parameter: always a JSON 4xx (or a
success where the junk happens to be acceptable), never a 500."""

import pytest

from config.testing import JUNK_VALUES, check_clean_error
from tracking.tests.factories import ProjectFactory, SessionFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

JUNK = [
    *JUNK_VALUES,
    ["2025-09-15T09:00:00Z"],
    "2025-09-15T09:00:00",
    "2025-02-30T09:00:00Z",
    "9999-12-31T23:59:59Z",
]

GOOD_ENTRY = {"start_utc": "2025-09-15T09:00:00Z", "end_utc": "2025-09-15T10:00:00Z"}
ENTRY_FIELDS = ["start_utc", "end_utc", "project", "project_code", "task", "activity", "notes", "billable", "user"]
LAP_FIELDS = ["id", "start_utc", "end_utc", "project", "project_code", "task", "activity", "notes", "billable"]


check = check_clean_error


def writes(user, staff):
    entry = TimeEntryFactory(user=user, start="2025-09-14T09:00:00Z", end="2025-09-14T10:00:00Z")
    session = SessionFactory(owner=user)
    project = ProjectFactory()
    yield user, "post", "/api/v1/time-entries/", GOOD_ENTRY, ENTRY_FIELDS
    yield user, "patch", f"/api/v1/time-entries/{entry.uuid}/", {}, ENTRY_FIELDS
    yield user, "post", "/api/v1/time-entries/start/", {}, [*ENTRY_FIELDS, "start_utc"]
    yield (
        user,
        "post",
        f"/api/v1/sessions/{session.uuid}/logs/",
        {"start_utc": "2025-09-13T09:00:00Z", "duration": 60},
        [
            "start_utc",
            "end_utc",
            "duration",
            "project",
            "task",
            "activity",
        ],
    )
    yield user, "post", "/api/v1/sessions/", {"title": "t"}, ["title", "notes", "laps"]
    yield user, "put", f"/api/v1/sessions/{session.uuid}/", {"laps": []}, ["title", "notes", "laps"]
    yield staff, "post", "/api/v1/projects/", {"code": "FZ", "name": "Fuzz"}, ["code", "name", "color", "billable"]
    yield staff, "patch", f"/api/v1/projects/{project.uuid}/", {}, ["code", "name", "color", "billable"]
    yield staff, "post", "/api/v1/tasks/", {"project": str(project.uuid), "name": "T"}, ["project", "name"]


def test_junk_in_any_field_of_any_write_is_never_a_500(client_for, user, staff):
    for actor, method, url, base, fields in writes(user, staff):
        client = client_for(actor)
        for field in fields:
            for junk in JUNK:
                check(getattr(client, method)(url, {**base, field: junk}, format="json"), (url, field, junk))
        check(getattr(client, method)(url, JUNK, format="json"), (url, "list body"))


def test_junk_inside_laps_is_never_a_500(client_for, user):
    session = SessionFactory(owner=user)
    client = client_for(user)
    base = {"start_utc": "2025-09-15T09:00:00Z", "end_utc": "2025-09-15T10:00:00Z"}
    for field in LAP_FIELDS:
        for junk in JUNK:
            response = client.put(f"/api/v1/sessions/{session.uuid}/", {"laps": [{**base, field: junk}]}, format="json")
            check(response, (field, junk))
    for junk in JUNK:
        check(client.put(f"/api/v1/sessions/{session.uuid}/", {"laps": [junk]}, format="json"), junk)


QUERY_JUNK = [
    "",
    "x" * 3000,
    "-1",
    "99999999999999999999",
    "2025-09-15",
    "2025-09-15T09:00:00",
    "true",
    "nul%00",
    "%ZZ",
]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (
            "/api/v1/time-entries/",
            [
                "from",
                "to",
                "project",
                "project_code",
                "task",
                "session",
                "billable",
                "running",
                "ordering",
                "user",
                "page",
                "page_size",
            ],
        ),
        ("/api/v1/sessions/", ["status", "ordering", "page", "page_size"]),
        ("/api/v1/sessions/by-date/", ["from", "to", "status", "page"]),
        ("/api/v1/projects/", ["archived", "billable", "search", "ordering", "page"]),
        ("/api/v1/tasks/", ["project", "project_code", "archived", "page"]),
        ("/api/v1/compliance/", ["from", "to", "user", "page", "page_size"]),
    ],
)
def test_junk_in_any_query_parameter_is_never_a_500(client_for, user, path, params):
    TimeEntryFactory(user=user)
    client = client_for(user)
    for param in params:
        for junk in QUERY_JUNK:
            check(client.get(f"{path}?{param}={junk}"), (path, param, junk))
