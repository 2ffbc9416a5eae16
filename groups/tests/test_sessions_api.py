"""Group sessions over HTTP: starting one, joining and leaving, visibility through tracking's
session endpoints, and the archived group's guard."""

import pytest

from accounts.tests.factories import UserFactory
from groups.models import GroupSession
from groups.services.groups import group_archive
from groups.tests.factories import GroupFactory, GroupSessionFactory, MembershipFactory
from tracking.models import SessionParticipant
from tracking.tests.factories import SessionFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db


def sessions_url(group) -> str:
    return f"/api/v1/groups/{group.uuid}/sessions/"


def test_any_member_starts_a_group_session_and_takes_part(client_for):
    group = GroupFactory()
    member = MembershipFactory(group=group).user
    response = client_for(member).post(sessions_url(group), {"title": "Pomodoro", "notes": "25/5"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["title"], body["status"], body["owner"]["id"], body["participant_count"]) == (
        "Pomodoro",
        "planned",
        str(member.uuid),
        1,
    )
    link = GroupSession.objects.get(session__uuid=body["id"])
    assert link.group == group and link.session.owner == member
    assert client_for(group.owner).get(f"/api/v1/sessions/{body['id']}/").status_code == 200
    assert client_for(member).post(sessions_url(group), {"title": "x" * 201}).status_code == 400


def test_members_join_and_leave_and_log_their_own_time(client_for, clock):
    group = GroupFactory()
    first, second = MembershipFactory(group=group).user, MembershipFactory(group=group).user
    session = GroupSessionFactory(group=group).session
    path = f"/api/v1/sessions/{session.uuid}"
    joined = client_for(first).post(f"{path}/join/")
    assert joined.status_code == 200, joined.content
    assert (joined.json()["user"]["id"], joined.json()["left_at"]) == (str(first.uuid), None)
    assert client_for(first).post(f"{path}/join/").status_code == 200  # joining twice is harmless
    client_for(second).post(f"{path}/join/")

    client_for(first).post(f"{path}/clock-in/")
    client_for(second).post(f"{path}/logs/", {"start_utc": "2025-09-15T07:00:00Z", "end_utc": "2025-09-15T08:00:00Z"})
    clock.advance(minutes=30)
    left = client_for(first).post(f"{path}/leave/")
    assert left.json()["left_at"] == "2025-09-15T09:30:00Z"
    rows = client_for(group.owner).get(f"{path}/participants/").json()["results"]
    assert {(r["user"], r["minutes"], r["left_at"] is not None) for r in rows} == {
        (str(group.owner.uuid), 0, False),
        (str(first.uuid), 30, True),
        (str(second.uuid), 60, False),
    }
    assert client_for(group.owner).get(sessions_url(group)).json()["results"][0]["participant_count"] == 2
    owner_leaves = client_for(group.owner).post(f"{path}/leave/")
    assert (owner_leaves.status_code, owner_leaves.json()["error"]["code"]) == (409, "owner_cannot_leave")
    assert client_for(first).post(f"{path}/join/").json()["left_at"] is None  # back again


def test_one_running_timer_per_person_across_group_sessions(client_for):
    group = GroupFactory()
    member = MembershipFactory(group=group).user
    first, second = GroupSessionFactory(group=group).session, GroupSessionFactory(group=group).session
    client = client_for(member)
    for session in (first, second):
        client.post(f"/api/v1/sessions/{session.uuid}/join/")
    assert client.post(f"/api/v1/sessions/{first.uuid}/clock-in/").status_code == 201
    refused = client.post(f"/api/v1/sessions/{second.uuid}/clock-in/")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "timer_running")
    assert client.post("/api/v1/time-entries/start/").status_code == 409


def test_only_members_see_a_groups_sessions(client_for):
    group = GroupFactory()
    member = MembershipFactory(group=group).user
    session = GroupSessionFactory(group=group).session
    outsider = UserFactory()
    assert [s["id"] for s in client_for(member).get("/api/v1/sessions/").json()["results"]] == [str(session.uuid)]
    assert client_for(member).get(f"/api/v1/sessions/{session.uuid}/").status_code == 200
    for path in ("", "participants/"):
        assert client_for(outsider).get(f"/api/v1/sessions/{session.uuid}/{path}").status_code == 404
    for command in ("join", "leave", "clock-in"):
        assert client_for(outsider).post(f"/api/v1/sessions/{session.uuid}/{command}/").status_code == 404
    assert client_for(outsider).get(sessions_url(group)).status_code == 404
    # Seeing a session is not taking part: a member who has not joined cannot clock in or log.
    assert client_for(member).post(f"/api/v1/sessions/{session.uuid}/clock-in/").status_code == 403
    assert client_for(member).post(f"/api/v1/sessions/{session.uuid}/start/").status_code == 403


def test_join_and_leave_are_for_group_sessions_only(client_for, user):
    plain = SessionFactory(owner=user)
    assert client_for(user).post(f"/api/v1/sessions/{plain.uuid}/join/").status_code == 404
    assert client_for(user).post(f"/api/v1/sessions/{plain.uuid}/leave/").status_code == 404
    assert client_for(user).post(f"/api/v1/sessions/{plain.uuid}:join").status_code == 404
    # tracking's own routes under sessions/ are untouched by the groups router
    assert client_for(user).get(f"/api/v1/sessions/{plain.uuid}/").status_code == 200
    assert client_for(user).get("/api/v1/sessions/latest/").status_code == 200
    assert client_for(user).post("/api/v1/sessions/not-a-uuid/join/").status_code == 404


def test_an_archived_groups_sessions_refuse_every_write(client_for, clock):
    group = GroupFactory()
    member = MembershipFactory(group=group).user
    session = GroupSessionFactory(group=group).session
    client_for(member).post(f"/api/v1/sessions/{session.uuid}/join/")
    lap = TimeEntryFactory(user=member, session=session, start=clock.now, end=None)
    group_archive(actor=group.owner, group=group)
    owner, as_member = client_for(group.owner), client_for(member)
    path = f"/api/v1/sessions/{session.uuid}"
    refused = [
        owner.post(f"{path}/start/"),
        owner.patch(f"{path}/", {"title": "x"}),
        owner.put(f"{path}/", {"laps": []}, format="json"),
        owner.delete(f"{path}/"),
        as_member.post(f"{path}/clock-out/"),
        as_member.post(f"{path}/leave/"),
        as_member.post(f"{path}/join/"),
        as_member.post(f"/api/v1/time-entries/{lap.uuid}/stop/"),
        as_member.patch(f"/api/v1/time-entries/{lap.uuid}/", {"notes": "x"}),
        as_member.delete(f"/api/v1/time-entries/{lap.uuid}/"),
    ]
    assert [(r.status_code, r.json()["error"]["code"]) for r in refused] == [(409, "group_archived")] * len(refused)
    # A command finds the archived group with the session row it locks, an entry write asks the
    # guard's own query: the same answer.
    assert refused[0].json() == refused[-2].json() and str(group.uuid) in refused[0].content.decode()
    assert as_member.get(f"{path}/").status_code == 200
    assert as_member.get(f"{path}/participants/").status_code == 200
    assert SessionParticipant.objects.filter(session=session, left_at__isnull=True).count() == 2


def test_group_session_list_follows_the_page_size_and_counts_participants(client_for):
    group = GroupFactory()
    members = MembershipFactory.create_batch(3, group=group)
    for _ in range(8):
        session = GroupSessionFactory(group=group).session
        for membership in members:
            SessionParticipant.objects.create(session=session, user=membership.user)
    client = client_for(group.owner)
    small = client.get(f"{sessions_url(group)}?page_size=2")
    large = client.get(f"{sessions_url(group)}?page_size=20")
    assert len(small.json()["results"]) == 2
    assert [s["participant_count"] for s in large.json()["results"]] == [4] * 8
