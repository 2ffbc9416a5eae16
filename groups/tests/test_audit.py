"""The audit rule for groups: every change of access (settings, members, invites) writes exactly
one row saying who did it, to what, and what changed."""

import pytest

from accounts.tests.factories import UserFactory
from audit.models import Action, AuditEvent
from groups.models import MembershipRole
from groups.tests.factories import GroupFactory, GroupSessionFactory, InviteFactory, MembershipFactory
from tracking.models import SessionParticipant

pytestmark = pytest.mark.django_db


def the_only_event():
    events = list(AuditEvent.objects.all())
    assert len(events) == 1, [event.action for event in events]
    return events[0]


def assert_the_only_event(action, actor, target, changes):
    """Exactly one row, by `actor`, on `target`, saying `changes`."""
    event = the_only_event()
    assert (event.action, event.actor, event.target_type, event.target_id) == (
        action,
        actor,
        target._meta.label_lower,
        str(target.uuid),
    )
    assert event.changes == changes


def test_changing_group_settings_writes_one_row_with_old_and_new_values(client_for):
    group = GroupFactory(name="Readers")
    manager = MembershipFactory(group=group, role=MembershipRole.ADMIN).user
    response = client_for(manager).patch(
        f"/api/v1/groups/{group.uuid}/",
        {"name": "Writers", "goal_minutes": 600, "ends_on": "2030-01-31"},
        format="json",
    )
    assert response.status_code == 200, response.content
    # goal_minutes was 600 already: only what changed is recorded.
    assert_the_only_event(
        Action.GROUP_UPDATE, manager, group, {"name": ["Readers", "Writers"], "ends_on": [None, "2030-01-31"]}
    )


def test_settings_saved_unchanged_write_no_row(client_for):
    group = GroupFactory(name="Readers")
    assert client_for(group.owner).patch(f"/api/v1/groups/{group.uuid}/", {"name": "Readers"}).status_code == 200
    assert not AuditEvent.objects.exists()


def test_adding_a_member_writes_one_row(client_for):
    group = GroupFactory()
    newcomer = UserFactory()
    response = client_for(group.owner).post(
        f"/api/v1/groups/{group.uuid}/members/", {"user": str(newcomer.uuid), "role": "admin"}
    )
    assert response.status_code == 201, response.content
    assert_the_only_event(Action.GROUP_MEMBER_ADD, group.owner, group, {"user": newcomer.email, "role": "admin"})


def test_removing_a_member_writes_one_row_also_when_they_leave_its_sessions(client_for):
    group = GroupFactory()
    member = MembershipFactory(group=group).user
    session = GroupSessionFactory(group=group).session
    SessionParticipant.objects.create(session=session, user=member, joined_at=session.created_at)
    response = client_for(group.owner).delete(f"/api/v1/groups/{group.uuid}/members/{member.uuid}/")
    assert response.status_code == 204, response.content
    assert_the_only_event(Action.GROUP_MEMBER_REMOVE, group.owner, group, {"user": member.email, "role": "member"})


def test_a_manager_setting_a_members_goal_writes_one_row(client_for):
    group = GroupFactory()
    manager = MembershipFactory(group=group, role=MembershipRole.ADMIN).user
    member = MembershipFactory(group=group).user
    url = f"/api/v1/groups/{group.uuid}/members/{member.uuid}/"
    response = client_for(manager).patch(url, {"goal_minutes": 45}, format="json")
    assert response.status_code == 200, response.content
    changes = {"user": member.email, "goal_minutes": [None, 45]}
    assert_the_only_event(Action.GROUP_MEMBER_UPDATE, manager, group, changes)


def test_members_setting_their_own_goal_or_muting_write_no_row(client_for):
    group = GroupFactory()
    member = MembershipFactory(group=group).user
    url = f"/api/v1/groups/{group.uuid}/members/{member.uuid}/"
    response = client_for(member).patch(url, {"goal_minutes": 45, "muted": True}, format="json")
    assert response.status_code == 200, response.content
    assert not AuditEvent.objects.exists()


def test_sending_an_invite_writes_one_row_on_the_invite(client_for):
    group = GroupFactory()
    response = client_for(group.owner).post(f"/api/v1/groups/{group.uuid}/invite/", {"email": "ada@example.com"})
    assert response.status_code == 201, response.content
    event = the_only_event()
    assert (event.action, event.actor, event.target_type, event.target_id) == (
        Action.GROUP_INVITE_CREATE,
        group.owner,
        "groups.invite",
        response.json()["id"],
    )
    assert event.changes == {"email": "ada@example.com"} == {"email": response.json()["email"]}


@pytest.mark.parametrize(
    ("answer", "action", "status"),
    [
        ("accept", Action.GROUP_INVITE_ACCEPT, "accepted"),
        ("decline", Action.GROUP_INVITE_DECLINE, "declined"),
    ],
)
def test_answering_an_invite_writes_one_row(client_for, answer, action, status):
    invite = InviteFactory()
    response = client_for(invite.invitee).post(f"/api/v1/invites/{invite.uuid}/{answer}/")
    assert response.status_code == 200, response.content
    assert_the_only_event(action, invite.invitee, invite, {"email": invite.email, "status": ["pending", status]})


def test_revoking_an_invite_writes_one_decline_row_by_the_manager(client_for):
    invite = InviteFactory()
    response = client_for(invite.group.owner).post(f"/api/v1/invites/{invite.uuid}/decline/")
    assert response.status_code == 200, response.content
    changes = {"email": invite.email, "status": ["pending", "revoked"]}
    assert_the_only_event(Action.GROUP_INVITE_DECLINE, invite.group.owner, invite, changes)


def test_a_refused_change_writes_no_row(client_for):
    group = GroupFactory()
    member = MembershipFactory(group=group).user
    client = client_for(member)
    assert client.patch(f"/api/v1/groups/{group.uuid}/", {"name": "Mine"}).status_code == 403
    assert client.post(f"/api/v1/groups/{group.uuid}/invite/", {"email": "x@example.com"}).status_code == 403
    assert client.post(f"/api/v1/groups/{group.uuid}/members/", {"user": str(UserFactory().uuid)}).status_code == 403
    assert not AuditEvent.objects.exists()
