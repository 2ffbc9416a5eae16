"""Junk in every field of every groups write and query: always a JSON 4xx (or a success where
the junk happens to be acceptable), never a 500."""

import pytest

from accounts.tests.factories import AdminFactory
from config.testing import JUNK_VALUES, check_clean_error
from groups.tests.factories import GroupFactory, GroupSessionFactory, InviteFactory, MembershipFactory

pytestmark = pytest.mark.django_db

JUNK = [
    *JUNK_VALUES,
    -1,
    ["a@example.com"],
    "2025-09-15T09:00:00",
    "2025-02-30",
    "9999-12-31",
    "owner",
    "ünïcødé@exämple.com",
]
check = check_clean_error


def writes(group, member):
    g = f"/api/v1/groups/{group.uuid}"
    yield (
        "post",
        "/api/v1/groups/",
        {"name": "g"},
        ["name", "description", "goal_minutes", "period", "timezone", "ends_on"],
    )
    yield "patch", f"{g}/", {}, ["name", "description", "goal_minutes", "period", "timezone", "ends_on"]
    yield "post", f"{g}/clone/", {}, ["name", "ends_on"]
    yield "post", f"{g}/members/", {}, ["user", "role"]
    yield "patch", f"{g}/members/{member.uuid}/", {}, ["role", "goal_minutes", "muted"]
    yield "post", f"{g}/invite/", {}, ["user", "email"]
    yield "post", f"{g}/sessions/", {}, ["title", "notes"]


def test_junk_in_every_field_is_a_clean_4xx(client_for):
    group = GroupFactory()
    member = MembershipFactory(group=group).user
    client = client_for(group.owner)
    for method, path, base, fields in writes(group, member):
        for field in fields:
            for value in JUNK:
                response = getattr(client, method)(path, {**base, field: value}, format="json")
                check(response, (path, field, value))
        check(getattr(client, method)(path, "[1, 2]", content_type="application/json"), (path, "list body"))
        check(getattr(client, method)(path, "{broken", content_type="application/json"), (path, "broken body"))


def test_junk_in_ids_and_query_parameters_is_a_clean_4xx(client_for):
    group = GroupFactory()
    GroupSessionFactory(group=group)
    InviteFactory(group=group)
    client = client_for(AdminFactory())
    owner = client_for(group.owner)
    for bad_id in ("x", "6f1c1f7e", "6f1c1f7e-3b1a-4f0e-9a55-0d4c3d2b1a00", "%00", "1" * 300):
        for path in (
            f"/api/v1/groups/{bad_id}/",
            f"/api/v1/groups/{bad_id}/progress/current/",
            f"/api/v1/groups/{group.uuid}/members/{bad_id}/",
            f"/api/v1/invites/{bad_id}/accept/",
            f"/api/v1/sessions/{bad_id}/join/",
        ):
            check(owner.get(path), path)
            check(owner.post(path), path)
            check(owner.patch(path, {"role": "admin"}), path)
            check(owner.delete(path), path)
    for query in (
        "status=%00",
        "page=-1",
        "page_size=100000",
        "page=99999",
        "ordering=password",
        "received=maybe",
        "group=x",
        "status=" + "a" * 5000,
    ):
        for path in ("/api/v1/groups/", "/api/v1/invites/", f"/api/v1/groups/{group.uuid}/members/"):
            check(client.get(f"{path}?{query}"), (path, query))
            check(owner.get(f"{path}?{query}"), (path, query))
