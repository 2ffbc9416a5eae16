"""LockIN's Expo app against /compat/lockin/, with a Timekeep access token in place of the
Cognito one: profile, groups and their fields, an invite answered by notification id, a group
session clocked in and out whose log is counted once in the group's progress, archive."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import AdminFactory, UserFactory
from groups.models import Group, GroupStatus, Membership
from groups.tests.factories import GroupFactory, MembershipFactory
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db
BASE = "/compat/lockin/api"


def app(client_for, user) -> APIClient:
    """api.ts: `Authorization: Bearer <authToken>`, `Accept` and JSON."""
    client = client_for(user)
    client.defaults["HTTP_ACCEPT"] = "application/json"
    return client


def z(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_me_and_a_display_name_change(client_for):
    user = UserFactory(display_name="")
    client = app(client_for, user)

    me = client.get(f"{BASE}/me")
    assert me.status_code == 200
    assert me.json() == {"id": str(user.uuid), "email": user.email, "display_name": None, "avatar_url": None}

    changed = client.patch(f"{BASE}/me", {"display_name": "Hamza"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["display_name"] == "Hamza"


def test_a_missing_or_foreign_token_is_a_401_on_me():
    assert APIClient().get(f"{BASE}/me").status_code == 401
    cognito = APIClient()
    cognito.credentials(HTTP_AUTHORIZATION="Bearer eyJraWQiOiJjb2duaXRvIn0.e30.sig")
    response = cognito.get(f"{BASE}/me")
    assert response.status_code == 401
    assert isinstance(response.json()["detail"], str)


def test_create_group_list_and_detail_with_lockins_fields(client_for, clock):
    owner = UserFactory(timezone="America/New_York")
    client = app(client_for, owner)
    end = clock.now + timedelta(days=7)

    created = client.post(
        f"{BASE}/groups",
        {
            "name": "Deep work",
            "description": None,
            "start_at": z(clock.now),
            "end_at": z(end),
            "timezone": "America/New_York",
            "period": "daily",
            "period_target_minutes": 120,
        },
        format="json",
    )

    assert created.status_code == 201, created.content
    body = created.json()
    group = Group.objects.get(uuid=body["id"])
    assert (group.period, group.goal_minutes, group.timezone) == ("day", 120, "America/New_York")
    assert (
        group.ends_on
        == (end - timedelta(microseconds=1)).astimezone(__import__("zoneinfo").ZoneInfo("America/New_York")).date()
    )
    assert (body["period"], body["period_target_minutes"], body["status"], body["owner_id"]) == (
        "daily",
        120,
        "active",
        str(owner.uuid),
    )
    assert body["start_at"] == "2025-09-15T09:00:00Z"
    ((member,),) = [body["members"]]
    assert (member["user_id"], member["role"], member["user"]["email"]) == (str(owner.uuid), "owner", owner.email)
    assert body["sessions"] == []

    listed = client.get(f"{BASE}/groups")
    assert listed.status_code == 200
    (item,) = listed.json()
    assert set(item) == {
        "id",
        "owner_id",
        "name",
        "description",
        "start_at",
        "end_at",
        "timezone",
        "period",
        "period_target_minutes",
        "status",
        "created_at",
        "updated_at",
    }
    assert item["status"] in {"pending", "active", "archived"}
    assert client.get(f"{BASE}/groups?status=archived").json() == []
    assert client.get(f"{BASE}/groups/{body['id']}").json()["name"] == "Deep work"
    assert [m["user_id"] for m in client.get(f"{BASE}/groups/{body['id']}/members").json()] == [str(owner.uuid)]


def test_invite_by_notification_id_then_a_group_session_counted_once(client_for, clock):
    owner, friend = UserFactory(display_name="Owner"), UserFactory()
    group = GroupFactory(owner=owner, goal_minutes=60, period="day")
    host, guest = app(client_for, owner), app(client_for, friend)

    invited = host.post(f"{BASE}/groups/{group.uuid}:invite", {"user_id": str(friend.uuid)}, format="json")
    assert (invited.status_code, invited.json()) == (202, {"status": "invited"})

    # The inbox: an array; the invite is a group_invite with the group's name.
    inbox = guest.get(f"{BASE}/notifications")
    assert inbox.status_code == 200
    (note,) = inbox.json()
    assert (note["kind"], note["status"], note["group_id"], note["group"]["name"]) == (
        "group_invite",
        "pending",
        str(group.uuid),
        group.name,
    )
    assert note["title"]
    opened = guest.post(f"{BASE}/notifications/{note['id']}:read")
    assert (opened.status_code, opened.json()["status"]) == (200, "read")
    assert guest.get(f"{BASE}/notifications/{note['id']}").json()["read_at"] is not None
    accepted = guest.post(f"{BASE}/notifications/{note['id']}:accept")
    assert (accepted.status_code, accepted.json()["status"], accepted.json()["group_id"]) == (
        200,
        "accepted",
        str(group.uuid),
    )
    assert Membership.objects.filter(group=group, user=friend, role="member").exists()
    again = guest.post(f"{BASE}/notifications/{note['id']}:accept")
    assert (again.status_code, again.json()) == (400, {"detail": "Invite already resolved"})

    # Clock in: create the group session, set it running, join.
    session = guest.post(
        f"{BASE}/sessions", {"group_id": str(group.uuid), "scheduled_start": z(clock.now)}, format="json"
    )
    assert session.status_code == 201, session.content
    session_id = session.json()["id"]
    assert (session.json()["group_id"], session.json()["status"], session.json()["creator_id"]) == (
        str(group.uuid),
        "scheduled",
        str(friend.uuid),
    )
    assert [(p["user_id"], p["role"]) for p in session.json()["participants"]] == [(str(friend.uuid), "host")]
    start = clock.now
    running = guest.post(
        f"{BASE}/sessions/{session_id}:status", {"status": "running", "timestamp": z(start)}, format="json"
    )
    assert (running.status_code, running.json()["status"]) == (200, "running")
    joined = guest.post(f"{BASE}/sessions/{session_id}/participants")
    assert (joined.status_code, joined.json()["user_id"]) == (201, str(friend.uuid))

    # Members follow the progress live while the session runs.
    clock.advance(minutes=25)
    live = host.get(f"{BASE}/groups/{group.uuid}/progress/current").json()
    assert {row["user_id"]: row["seconds_done"] for row in live}[str(friend.uuid)] == 25 * 60

    # Clock out: end, join again (idempotent), log the same interval.
    clock.advance(minutes=20)
    ended = guest.post(
        f"{BASE}/sessions/{session_id}:status", {"status": "ended", "timestamp": z(clock.now)}, format="json"
    )
    assert (ended.status_code, ended.json()["status"]) == (200, "ended")
    assert guest.post(f"{BASE}/sessions/{session_id}/participants").status_code == 201
    logged = guest.post(
        f"{BASE}/sessions/{session_id}/logs",
        {"user_id": str(friend.uuid), "started_at": z(start), "ended_at": z(clock.now)},
        format="json",
    )
    assert (logged.status_code, logged.json()) == (201, {"status": "logged"})

    # Counted once: one entry, 45 minutes in the progress (most time first).
    assert TimeEntry.objects.filter(user=friend).count() == 1
    rows = host.get(f"{BASE}/groups/{group.uuid}/progress/current").json()
    assert rows[0]["user_id"] == str(friend.uuid)
    assert (rows[0]["seconds_done"], rows[0]["target_minutes"], rows[0]["goal_met"]) == (45 * 60, 60, False)
    assert {"group_id", "period_start", "period_end"} <= set(rows[0])

    # A log of other time is new time.
    earlier = guest.post(
        f"{BASE}/sessions/{session_id}/logs",
        {
            "user_id": str(friend.uuid),
            "started_at": z(start - timedelta(hours=1)),
            "ended_at": z(start - timedelta(minutes=30)),
        },
        format="json",
    )
    assert earlier.status_code == 201
    rows = host.get(f"{BASE}/groups/{group.uuid}/progress/current").json()
    assert (rows[0]["seconds_done"], rows[0]["goal_met"]) == (75 * 60, True)

    # The group detail shows the session under the right status, with its participants.
    detail = host.get(f"{BASE}/groups/{group.uuid}").json()
    assert {m["user_id"] for m in detail["members"]} == {str(owner.uuid), str(friend.uuid)}
    (listed,) = detail["sessions"]
    assert (listed["id"], listed["status"], listed["participants"][0]["user_id"]) == (
        session_id,
        "ended",
        str(friend.uuid),
    )


def test_only_members_start_group_sessions_and_only_the_host_changes_the_status(client_for):
    group = GroupFactory()
    stranger = app(client_for, UserFactory())
    member_user = MembershipFactory(group=group).user

    refused = stranger.post(f"{BASE}/sessions", {"group_id": str(group.uuid)}, format="json")
    assert refused.status_code == 404
    assert isinstance(refused.json()["detail"], str)

    session_id = (
        app(client_for, group.owner).post(f"{BASE}/sessions", {"group_id": str(group.uuid)}, format="json").json()["id"]
    )
    member = app(client_for, member_user)
    not_host = member.post(f"{BASE}/sessions/{session_id}:status", {"status": "running"}, format="json")
    assert (not_host.status_code, not_host.json()) == (403, {"detail": "Only host can modify session"})
    assert member.post(f"{BASE}/sessions/{session_id}/participants").status_code == 201


def test_without_group_id_a_personal_session_and_the_seeds_commands(client_for, clock):
    user = UserFactory()
    client = app(client_for, user)
    session_id = client.post(f"{BASE}/sessions", {}, format="json").json()["id"]

    assert client.post(f"{BASE}/sessions/{session_id}:start").json() == {"message": "Session started"}
    clock.advance(minutes=10)
    assert client.post(f"{BASE}/sessions/{session_id}:pause").status_code == 200
    assert client.post(f"{BASE}/sessions/{session_id}:resume").status_code == 200
    clock.advance(minutes=5)
    assert client.post(f"{BASE}/sessions/{session_id}:stop").status_code == 200
    detail = client.get(f"{BASE}/sessions/{session_id}").json()
    assert (detail["group_id"], detail["status"]) == (None, "ended")
    assert [p["user_id"] for p in client.get(f"{BASE}/sessions/{session_id}/participants").json()] == [str(user.uuid)]


def test_clone_and_archive_expired(client_for, clock):
    admin = AdminFactory()
    owner = UserFactory()
    group = GroupFactory(owner=owner, ends_on=(clock.now - timedelta(days=2)).date())
    client = app(client_for, owner)

    cloned = client.post(f"{BASE}/groups/{group.uuid}:clone")
    assert cloned.status_code == 201
    assert cloned.json()["name"] == group.name and cloned.json()["id"] != str(group.uuid)

    refused = client.post(f"{BASE}/maintenance/archive-expired-groups")
    assert refused.status_code == 403
    archived = app(client_for, admin).post(f"{BASE}/maintenance/archive-expired-groups")
    assert (archived.status_code, archived.json()) == (200, {"archived": 1})
    group.refresh_from_db()
    assert group.status == GroupStatus.ARCHIVED
    assert [g["id"] for g in client.get(f"{BASE}/groups?status=archived").json()] == [str(group.uuid)]
    assert client.get(f"{BASE}/groups/{group.uuid}/progress/current").json() == []


def test_the_seeds_invite_answer_by_notification_id(client_for):
    group = GroupFactory()
    friend = UserFactory()
    app(client_for, group.owner).post(f"{BASE}/groups/{group.uuid}:invite?recipient_id={friend.uuid}")
    (note,) = app(client_for, friend).get(f"{BASE}/notifications?unread=true").json()

    declined = app(client_for, friend).post(f"{BASE}/invites/{note['id']}:decline")

    assert declined.status_code == 200
    assert app(client_for, friend).get(f"{BASE}/notifications/{note['id']}").json()["status"] == "declined"
    assert not Membership.objects.filter(group=group, user=friend).exists()


def test_colon_paths_with_and_without_slash_and_unknown_ones(client_for):
    client = app(client_for, UserFactory())

    assert client.get(f"{BASE}/groups/").status_code == 200
    assert client.get(f"{BASE}/notifications/").json() == []
    assert client.post(f"{BASE}/groups/{__import__('uuid').uuid4()}:explode").status_code == 404
