"""Groups over HTTP: create, list, retrieve, settings, clone, and LockIN's colon commands."""

import pytest

from accounts.tests.factories import AdminFactory, UserFactory
from audit.models import AuditEvent
from groups.models import Group, Invite, Membership, MembershipRole
from groups.tests.factories import GroupFactory, GroupSessionFactory, InviteFactory, MembershipFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/groups/"


def test_the_creator_owns_a_new_group_in_their_time_zone(client_for):
    user = UserFactory(timezone="America/New_York")
    response = client_for(user).post(URL, {"name": "Writers"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("name", "status", "goal_minutes", "period", "timezone", "ends_on", "my_role")} == {
        "name": "Writers",
        "status": "active",
        "goal_minutes": 300,
        "period": "week",
        "timezone": "America/New_York",
        "ends_on": None,
        "my_role": "owner",
    }
    group = Group.objects.get(uuid=body["id"])
    assert group.owner == user
    assert Membership.objects.get(group=group).role == MembershipRole.OWNER


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "g", "goal_minutes": 0}, "goal_minutes"),
        ({"name": "g", "goal_minutes": 10**12}, "goal_minutes"),
        ({"name": "g", "goal_minutes": "lots"}, "goal_minutes"),
        ({"name": "g", "period": "year"}, "period"),
        ({"name": "g", "timezone": "Mars/Olympus"}, "timezone"),
        ({"name": "g", "ends_on": "2025-02-30"}, "ends_on"),
        ({"name": "g", "ends_on": "2025-09-14"}, "ends_on"),  # yesterday in UTC
        ({"name": "g", "description": "d" * 2001}, "description"),
    ],
)
def test_bad_group_input_is_a_400_naming_the_field(client_for, user, clock, payload, field):
    response = client_for(user).post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not Group.objects.exists()


def test_the_end_date_is_checked_in_the_groups_time_zone(client_for, user, clock):
    # The clock says 2025-09-15 09:00 UTC: 23:00 on the 14th in Honolulu, 21:00 on the 15th in Auckland.
    client = client_for(user)
    assert client.post(URL, {"name": "g", "timezone": "Pacific/Honolulu", "ends_on": "2025-09-14"}).status_code == 201
    assert client.post(URL, {"name": "g", "timezone": "Pacific/Auckland", "ends_on": "2025-09-15"}).status_code == 201
    assert client.post(URL, {"name": "g", "timezone": "Pacific/Auckland", "ends_on": "2025-09-14"}).status_code == 400


def test_a_user_lists_their_groups_and_an_admin_lists_all(client_for, user):
    mine = GroupFactory(owner=user, name="Mine")
    joined = MembershipFactory(user=user, group=GroupFactory(name="Joined")).group
    GroupFactory(name="Someone else's")
    listed = client_for(user).get(URL).json()
    assert [(g["name"], g["my_role"]) for g in listed["results"]] == [("Joined", "member"), ("Mine", "owner")]
    assert client_for(user).get(f"{URL}{mine.uuid}/").json()["member_count"] == 1
    everything = client_for(AdminFactory()).get(URL).json()
    assert everything["count"] == 3
    assert {g["my_role"] for g in everything["results"]} == {None}
    assert client_for(user).get(f"{URL}?status=archived").json()["count"] == 0
    assert client_for(user).get(f"{URL}?status=sideways").status_code == 400
    assert joined.memberships.count() == 2


def test_group_list_follows_the_page_size_and_counts_members(client_for, user):
    for index in range(12):
        group = GroupFactory(owner=user, name=f"G{index:02d}")
        MembershipFactory.create_batch(3, group=group)
    client = client_for(user)
    small = client.get(f"{URL}?page_size=2")
    large = client.get(f"{URL}?page_size=20")
    assert len(small.json()["results"]) == 2
    assert [g["member_count"] for g in large.json()["results"]] == [4] * 12


def test_managers_change_settings(client_for, clock):
    group = GroupFactory()
    group_admin = MembershipFactory(group=group, role=MembershipRole.ADMIN).user
    response = client_for(group_admin).patch(
        f"{URL}{group.uuid}/",
        {"goal_minutes": 90, "period": "day", "timezone": "Asia/Tokyo", "ends_on": "2025-12-31", "name": "Renamed"},
    )
    assert response.status_code == 200, response.content
    group.refresh_from_db()
    assert (group.goal_minutes, group.period, group.timezone, str(group.ends_on), group.name) == (
        90,
        "day",
        "Asia/Tokyo",
        "2025-12-31",
        "Renamed",
    )
    assert client_for(group.owner).patch(f"{URL}{group.uuid}/", {"ends_on": None}).json()["ends_on"] is None
    assert client_for(group.owner).put(f"{URL}{group.uuid}/", {"name": "x"}).status_code == 405


def test_clone_copies_settings_and_members_but_no_sessions_or_invites(client_for, inbox):
    source = GroupFactory(goal_minutes=45, period="month", timezone="Europe/Paris", description="About")
    group_admin = MembershipFactory(group=source, role=MembershipRole.ADMIN).user
    member = MembershipFactory(group=source, goal_minutes=20, muted=True).user
    GroupSessionFactory(group=source)
    InviteFactory(group=source)

    response = client_for(group_admin).post(f"{URL}{source.uuid}/clone/", {})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["name"], body["goal_minutes"], body["period"], body["timezone"], body["description"]) == (
        f"{source.name} (copy)",
        45,
        "month",
        "Europe/Paris",
        "About",
    )
    assert body["owner"]["id"] == str(group_admin.uuid)
    clone = Group.objects.get(uuid=body["id"])
    roles = {m.user: (m.role, m.goal_minutes, m.muted) for m in clone.memberships.all()}
    assert roles == {
        source.owner: ("owner", None, False),
        group_admin: ("owner", None, False),
        member: ("member", 20, True),
    }
    assert not clone.group_sessions.exists() and not Invite.objects.filter(group=clone).exists()
    assert inbox(member) == ["group.member_added"] and inbox(group_admin) == []
    event = AuditEvent.objects.get(action="group.clone")
    assert event.changes == {"source": str(source.uuid), "members": 3}


def test_an_archived_group_can_be_cloned_and_the_clone_is_active(client_for):
    from groups.services.groups import group_archive

    source = GroupFactory()
    group_archive(actor=source.owner, group=source)
    response = client_for(source.owner).post(f"{URL}{source.uuid}/clone/", {"name": "Again", "ends_on": None})
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["name"]) == ("active", "Again")


def test_lockin_colon_commands_reach_clone_and_invite_accept(client_for):
    group = GroupFactory()
    invite = InviteFactory(group=group)
    cloned = client_for(group.owner).post(f"/api/groups/{group.uuid}:clone", {}, format="json")
    assert cloned.status_code == 201, cloned.content
    invited = client_for(group.owner).post(f"/api/groups/{group.uuid}:invite", {"email": "x@example.com"})
    assert invited.status_code == 201, invited.content
    accepted = client_for(invite.invitee).post(f"/api/invites/{invite.uuid}:accept")
    assert accepted.status_code == 200, accepted.content
    assert Membership.objects.filter(group=group, user=invite.invitee).exists()


def test_malformed_and_unknown_ids_are_404(client_for, user):
    client = client_for(user)
    assert client.get(f"{URL}not-a-uuid/").status_code == 404
    assert client.get(f"{URL}6f1c1f7e-3b1a-4f0e-9a55-0d4c3d2b1a00/").status_code == 404
    assert client.post(f"{URL}6f1c1f7e-3b1a-4f0e-9a55-0d4c3d2b1a00/clone/").status_code == 404
