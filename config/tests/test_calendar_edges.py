"""Dates and times at the edge of the calendar (year 1, year 9999, offsets up to ±14:00) are a
400, never an OverflowError 500, on every date and date-time input the schema documents: query
parameters and request bodies, read from the published schema so a new input is covered."""

from __future__ import annotations

import uuid

import pytest
from drf_spectacular.generators import SchemaGenerator

from groups.tests.factories import GroupFactory
from tracking.tests.factories import SessionFactory, TimeEntryFactory, at

pytestmark = pytest.mark.django_db

EDGE_DATETIMES = [
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T00:00:00-14:00",
    "9999-12-31T23:59:59.999999Z",
    "1969-12-31T23:59:59Z",
    "3000-01-01T00:00:00Z",
]
EDGE_DATES = ["0001-01-01", "9999-12-31"]


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _temporal_properties(schema, node, prefix=()):
    """(path of property names, format) for every date/date-time property of a request body."""
    node = _resolve(schema, node)
    for name, prop in node.get("properties", {}).items():
        prop = _resolve(schema, prop.get("allOf", [prop])[0]) if "allOf" in prop else prop
        if prop.get("readOnly"):
            continue
        if prop.get("format") in {"date", "date-time"}:
            yield (*prefix, name), prop["format"]
        elif prop.get("type") == "array" and "items" in prop:
            yield from _temporal_properties(schema, prop["items"], (*prefix, name, 0))


def _inputs(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                fmt = parameter.get("schema", {}).get("format")
                if parameter["in"] == "query" and fmt in {"date", "date-time"}:
                    yield method, path, "query", (parameter["name"],), fmt
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                for prop_path, fmt in _temporal_properties(schema, body["schema"]):
                    yield method, path, "body", prop_path, fmt


def _nest(path, value):
    for key in reversed(path):
        value = [value] if isinstance(key, int) else {key: value}
    return value


@pytest.fixture
def world(user):
    """Objects of `user` for every path parameter the schema's operations name."""
    group = GroupFactory(owner=user)
    session = SessionFactory(owner=user)
    entry = TimeEntryFactory(user=user, start=at(0, 9), end=at(0, 10))
    return {
        "groups": group.uuid,
        "sessions": session.uuid,
        "time-entries": entry.uuid,
        "user_id": user.uuid,
    }


def _url(path, world):
    parts = path.split("/")
    for index, part in enumerate(parts):
        if part.startswith("{"):
            parts[index] = str(world.get(parts[index - 1], world.get(part.strip("{}"), uuid.uuid4())))
    return "/".join(parts)


def test_the_schema_lists_the_date_and_time_inputs(schema):
    found = {(method, path, where, name) for method, path, where, name, _ in _inputs(schema)}
    assert len(found) >= 20
    assert ("get", "/api/v1/time-entries/", "query", ("from",)) in found
    assert ("post", "/api/v1/time-entries/", "body", ("start_utc",)) in found


def test_no_date_or_time_input_overflows(schema, client_for, user, world):
    client = client_for(user)
    failures = []
    for method, path, where, name, fmt in _inputs(schema):
        values = EDGE_DATETIMES if fmt == "date-time" else EDGE_DATES
        url = _url(path, world)
        for value in values:
            if where == "query":
                response = getattr(client, method)(url, {name[0]: value, "to": "2025-01-01T00:00:00Z"})
            else:
                response = getattr(client, method)(url, _nest(name, value), format="json")
            if response.status_code >= 500:
                failures.append(
                    f"{method.upper()} {path} {where} {'.'.join(map(str, name))}={value}: {response.status_code}"
                )
    assert not failures


@pytest.mark.parametrize(
    "query",
    [
        "from=0001-01-01T00:00:00%2B01:00&to=2025-01-01T00:00:00Z",
        "from=9999-12-31T00:00:00-14:00",
        "from=2025-01-01T00:00:00Z&to=9999-12-31T00:00:00-14:00",
        "to=0001-01-01T00:00:00%2B01:00",
    ],
)
def test_the_time_entry_window_at_the_edge_of_the_calendar_is_a_400(client_for, user, query):
    response = client_for(user).get(f"/api/v1/time-entries/?{query}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
