"""`POST /api/v1/sessions/` with `group`: the same group session, with the same checks, as
`POST /api/v1/groups/{id}/sessions/` (tracking asks groups through its `group_session_create` hook)."""

import uuid

import pytest

from groups.models import GroupSession
from groups.services.groups import group_archive
from groups.tests.factories import GroupFactory, MembershipFactory
from tracking.hooks import group_session_create

pytestmark = pytest.mark.django_db
SESSIONS = "/api/v1/sessions/"


def test_a_member_creates_a_group_session_through_the_sessions_route(client_for):
    group = GroupFactory()
    member = MembershipFactory(group=group).user

    response = client_for(member).post(SESSIONS, {"title": "Focus", "group": str(group.uuid)})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["title"], body["status"], body["owner"]) == ("Focus", "planned", str(member.uuid))
    link = GroupSession.objects.get(session__uuid=body["id"])
    assert link.group == group
    listed = client_for(group.owner).get(f"/api/v1/groups/{group.uuid}/sessions/").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]


def test_someone_outside_the_group_gets_the_same_404_as_on_the_groups_route(client_for, other_user):
    group = GroupFactory()

    by_sessions = client_for(other_user).post(SESSIONS, {"group": str(group.uuid)})
    by_group = client_for(other_user).post(f"/api/v1/groups/{group.uuid}/sessions/", {})

    assert by_sessions.status_code == by_group.status_code == 404
    assert by_sessions.json()["error"]["fields"] == {"group": ["Not found."]}
    assert client_for(other_user).post(SESSIONS, {"group": str(uuid.uuid4())}).status_code == 404
    assert not GroupSession.objects.exists()


def test_an_archived_group_takes_no_new_session_either_way(client_for):
    group = GroupFactory()
    group_archive(actor=group.owner, group=group)

    by_sessions = client_for(group.owner).post(SESSIONS, {"group": str(group.uuid)})
    by_group = client_for(group.owner).post(f"/api/v1/groups/{group.uuid}/sessions/", {})

    assert by_sessions.status_code == by_group.status_code == 409
    assert by_sessions.json()["error"]["code"] == by_group.json()["error"]["code"] == "group_archived"


def test_a_group_session_is_created_planned_so_laps_are_refused(client_for):
    group = GroupFactory()
    laps = [{"start_utc": "2025-09-15T07:00:00Z", "end_utc": "2025-09-15T08:00:00Z"}]

    response = client_for(group.owner).post(SESSIONS, {"group": str(group.uuid), "laps": laps}, format="json")

    assert response.status_code == 400
    assert "laps" in response.json()["error"]["fields"]


def test_without_group_or_with_null_it_is_a_personal_session(client_for, user):
    for body in ({"title": "Mine"}, {"title": "Mine", "group": None}):
        response = client_for(user).post(SESSIONS, body, format="json")
        assert response.status_code == 201
        assert not GroupSession.objects.filter(session__uuid=response.json()["id"]).exists()


def test_without_a_registered_hook_the_group_field_is_a_400(client_for, user):
    (registered,) = group_session_create.functions
    group_session_create.unregister(registered)
    try:
        response = client_for(user).post(SESSIONS, {"group": str(uuid.uuid4())})
    finally:
        group_session_create.register(registered)

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"group": ["Not available."]}


def test_lockins_group_id_is_an_unknown_field_not_a_personal_session(client_for):
    """The bug the replay found: `{group_id}` used to create a personal session silently."""
    group = GroupFactory()

    response = client_for(group.owner).post(SESSIONS, {"group_id": str(group.uuid)})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unknown_field"
    assert response.json()["error"]["fields"] == {"group_id": ["Unknown field."]}
