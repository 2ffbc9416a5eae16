"""Members over HTTP: adding, roles, personal settings, removing, leaving, handing over."""

import pytest

from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from groups.models import Group, Membership, MembershipRole
from groups.tests.factories import GroupFactory, GroupSessionFactory, MembershipFactory
from tracking.models import SessionParticipant, TimeEntry

pytestmark = pytest.mark.django_db


def members_url(group, user=None) -> str:
    base = f"/api/v1/groups/{group.uuid}/members/"
    return f"{base}{user.uuid}/" if user is not None else base


def test_managers_add_existing_accounts(client_for, inbox):
    group = GroupFactory()
    newcomer = UserFactory()
    client = client_for(group.owner)
    response = client.post(members_url(group), {"user": str(newcomer.uuid)})
    assert response.status_code == 201, response.content
    assert (response.json()["role"], response.json()["effective_goal_minutes"]) == ("member", 600)
    assert inbox(newcomer) == ["group.member_added"]
    again = client.post(members_url(group), {"user": str(newcomer.uuid)})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_member")
    assert client.post(members_url(group), {"user": str(UserFactory(is_active=False).uuid)}).status_code == 400
    assert client.post(members_url(group), {"user": "6f1c1f7e-3b1a-4f0e-9a55-0d4c3d2b1a00"}).status_code == 400
    assert client.post(members_url(group), {"user": "not-a-uuid"}).status_code == 400
    assert client.post(members_url(group), {"user": str(UserFactory().uuid), "role": "king"}).status_code == 400
    assert group.memberships.count() == 2


def test_role_changes_are_audited_and_told_to_the_member(client_for, inbox):
    group = GroupFactory()
    member = MembershipFactory(group=group).user
    response = client_for(group.owner).patch(members_url(group, member), {"role": "admin"})
    assert response.status_code == 200, response.content
    assert inbox(member) == ["group.role_changed"]
    event = AuditEvent.objects.get(action="group.member_role_change")
    assert event.changes == {"user": member.email, "role": ["member", "admin"]}
    assert event.target_id == str(group.uuid)
    # The same role again changes nothing and tells no one.
    client_for(group.owner).patch(members_url(group, member), {"role": "admin"})
    assert AuditEvent.objects.filter(action="group.member_role_change").count() == 1


def test_personal_settings(client_for):
    group = GroupFactory()
    member = MembershipFactory(group=group).user
    client = client_for(member)
    body = client.patch(members_url(group, member), {"goal_minutes": 30, "muted": True}).json()
    assert (body["goal_minutes"], body["effective_goal_minutes"], body["muted"]) == (30, 30, True)
    body = client.patch(members_url(group, member), {"goal_minutes": None}, format="json").json()
    assert (body["goal_minutes"], body["effective_goal_minutes"]) == (None, 600)
    assert client_for(group.owner).patch(members_url(group, member), {"goal_minutes": 45}).status_code == 200
    assert client_for(group.owner).patch(members_url(group, member), {"muted": False}).status_code == 403
    for junk in ({"goal_minutes": 0}, {"goal_minutes": 10**9}, {"muted": "sometimes"}, {"role": None}):
        assert client.patch(members_url(group, member), junk, format="json").status_code == 400, junk
    assert client.patch(members_url(group, UserFactory()), {"goal_minutes": 5}).status_code == 404


def test_the_last_owner_cannot_leave_or_step_down_but_can_hand_over(client_for):
    group = GroupFactory()
    owner = group.owner
    member = MembershipFactory(group=group).user
    client = client_for(owner)
    refusals = [client.delete(members_url(group, owner)), client.patch(members_url(group, owner), {"role": "admin"})]
    for response in refusals:
        assert (response.status_code, response.json()["error"]["code"]) == (409, "last_owner")

    assert client.patch(members_url(group, member), {"role": "owner"}).status_code == 200
    assert client.delete(members_url(group, owner)).status_code == 204
    group.refresh_from_db()
    assert group.owner == member  # the primary owner moved to the remaining owner
    assert list(group.memberships.values_list("role", flat=True)) == ["owner"]
    assert AuditEvent.objects.filter(action="group.member_leave").count() == 1


def test_an_owner_stepping_down_moves_the_primary_owner(client_for):
    group = GroupFactory()
    second = MembershipFactory(group=group, role=MembershipRole.OWNER).user
    assert client_for(group.owner).patch(members_url(group, group.owner), {"role": "member"}).status_code == 200
    group.refresh_from_db()
    assert group.owner == second
    assert client_for(second).get(f"/api/v1/groups/{group.uuid}/").json()["owner"]["id"] == str(second.uuid)


def test_a_removed_member_is_told_and_leaves_the_groups_sessions(client_for, inbox, clock):
    group = GroupFactory()
    member = MembershipFactory(group=group).user
    session = GroupSessionFactory(group=group).session
    own_session = GroupSessionFactory(group=group, session__owner=member).session
    as_member = client_for(member)
    assert as_member.post(f"/api/v1/sessions/{session.uuid}/join/").status_code == 200
    assert as_member.post(f"/api/v1/sessions/{session.uuid}/clock-in/").status_code == 201
    clock.advance(minutes=20)

    assert client_for(group.owner).delete(members_url(group, member)).status_code == 204
    assert inbox(member) == ["group.member_removed"]
    assert AuditEvent.objects.get(action="group.member_remove").changes == {"user": member.email, "role": "member"}
    participation = SessionParticipant.objects.get(session=session, user=member)
    assert participation.left_at == clock.now
    lap = TimeEntry.objects.get(user=member, session=session)
    assert lap.end == clock.now
    # Their own session stays theirs; they can no longer log into the other one.
    assert SessionParticipant.objects.get(session=own_session, user=member).left_at is None
    log = {"start_utc": "2025-09-15T06:00:00Z", "duration": 60}
    assert as_member.post(f"/api/v1/sessions/{session.uuid}/logs/", log).status_code == 403
    assert client_for(member).get(f"/api/v1/groups/{group.uuid}/").status_code == 404


def test_member_list_follows_the_page_size_owner_first(client_for):
    group = GroupFactory()
    MembershipFactory.create_batch(11, group=group)
    client = client_for(group.owner)
    small = client.get(f"{members_url(group)}?page_size=2")
    large = client.get(f"{members_url(group)}?page_size=20")
    assert len(small.json()["results"]) == 2
    assert len(large.json()["results"]) == 12
    assert large.json()["results"][0]["role"] == "owner"
    assert Group.objects.count() == 1 and Membership.objects.count() == 12
