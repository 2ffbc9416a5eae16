"""Who may do what on every group route: a non-member never learns the group exists (404), a
member reads and takes part, a member trying a manager's action is refused (403), owners and
admins manage, an ADMIN reads every group but acts in none, and nobody anonymous gets in."""

import pytest

from accounts.tests.factories import AdminFactory, UserFactory
from groups.models import Group, GroupStatus, Invite, Membership, MembershipRole
from groups.tests.factories import GroupFactory, GroupSessionFactory, InviteFactory, MembershipFactory

pytestmark = pytest.mark.django_db

ACTORS = ["outsider", "member", "group_admin", "owner", "admin_role", "anonymous"]


def expect(outsider, member, group_admin, owner, admin_role, anonymous=401):
    return dict(zip(ACTORS, [outsider, member, group_admin, owner, admin_role, anonymous], strict=True))


READ = expect(404, 200, 200, 200, 200)
MANAGE = expect(404, 403, 200, 200, 403)
MANAGE_CREATE = expect(404, 403, 201, 201, 403)
MANAGE_DELETE = expect(404, 403, 204, 204, 403)


@pytest.fixture
def world():
    group = GroupFactory()
    people = {
        "owner": group.owner,
        "member": MembershipFactory(group=group).user,
        "group_admin": MembershipFactory(group=group, role=MembershipRole.ADMIN).user,
        "outsider": UserFactory(),
        "admin_role": AdminFactory(),
    }
    return {
        "group": group,
        "people": people,
        "session": GroupSessionFactory(group=group).session,
        "role_target": MembershipFactory(group=group).user,
        "removal_target": MembershipFactory(group=group).user,
        "invite": InviteFactory(group=group, inviter=group.owner),
    }


def routes(world):
    """(what, method, path, body, expected statuses by actor). Each route has its own target, so
    one actor's run of all of them leaves every later route meaningful."""
    g = f"/api/v1/groups/{world['group'].uuid}"
    s = f"/api/v1/sessions/{world['session'].uuid}"
    i = f"/api/v1/invites/{world['invite'].uuid}"
    return [
        ("retrieve", "get", f"{g}/", None, READ),
        ("members", "get", f"{g}/members/", None, READ),
        ("progress", "get", f"{g}/progress/current/", None, READ),
        ("sessions", "get", f"{g}/sessions/", None, READ),
        ("start session", "post", f"{g}/sessions/", {"title": "x"}, expect(404, 201, 201, 201, 403)),
        ("join", "post", f"{s}/join/", None, expect(404, 200, 200, 200, 403)),
        ("settings", "patch", f"{g}/", {"description": "changed"}, MANAGE),
        ("add member", "post", f"{g}/members/", lambda: {"user": str(UserFactory().uuid)}, MANAGE_CREATE),
        ("role", "patch", f"{g}/members/{world['role_target'].uuid}/", {"role": "admin"}, MANAGE),
        ("remove", "delete", f"{g}/members/{world['removal_target'].uuid}/", None, MANAGE_DELETE),
        ("invite", "post", f"{g}/invite/", lambda: {"email": UserFactory.build().email}, MANAGE_CREATE),
        ("clone", "post", f"{g}/clone/", {}, MANAGE_CREATE),
        ("accept another's invite", "post", f"{i}/accept/", None, expect(404, 404, 403, 403, 404)),
        ("revoke", "post", f"{i}/decline/", None, expect(404, 404, 200, 200, 404)),
    ]


@pytest.mark.parametrize("who", ACTORS)
def test_every_group_route_answers_each_kind_of_user_as_documented(api_client, client_for, world, who):
    client = api_client if who == "anonymous" else client_for(world["people"][who])
    before = Group.objects.count(), Membership.objects.count(), Invite.objects.count()
    got, want = {}, {}
    for what, method, path, body, expected in routes(world):
        got[what] = getattr(client, method)(path, body() if callable(body) else body).status_code
        want[what] = expected[who]
    assert got == want
    if who in ("outsider", "member", "admin_role", "anonymous"):
        world["group"].refresh_from_db()
        assert world["group"].description == ""
        assert world["group"].status == GroupStatus.ACTIVE
        # Only what they may do left a trace: a member's own group session.
        assert (Group.objects.count(), Membership.objects.count(), Invite.objects.count()) == before
        assert Invite.objects.get(pk=world["invite"].pk).status == "pending"


def test_a_member_leaves_and_sets_their_own_goal_but_not_someone_elses(client_for, world):
    member, other = world["people"]["member"], world["role_target"]
    client = client_for(member)
    g = f"/api/v1/groups/{world['group'].uuid}"
    assert client.patch(f"{g}/members/{member.uuid}/", {"goal_minutes": 30}).status_code == 200
    assert client.patch(f"{g}/members/{other.uuid}/", {"goal_minutes": 30}).status_code == 403
    assert client.patch(f"{g}/members/{other.uuid}/", {"muted": True}).status_code == 403
    assert client.patch(f"{g}/members/{member.uuid}/", {"role": "admin"}).status_code == 403
    assert client.delete(f"{g}/members/{other.uuid}/").status_code == 403
    assert client.delete(f"{g}/members/{member.uuid}/").status_code == 204
    assert client.get(f"{g}/").status_code == 404


def test_a_group_admin_cannot_touch_owners_or_other_admins(client_for, world):
    group_admin, owner = world["people"]["group_admin"], world["people"]["owner"]
    other_admin = MembershipFactory(group=world["group"], role=MembershipRole.ADMIN).user
    client = client_for(group_admin)
    g = f"/api/v1/groups/{world['group'].uuid}"
    assert client.patch(f"{g}/members/{owner.uuid}/", {"role": "member"}).status_code == 403
    assert client.patch(f"{g}/members/{other_admin.uuid}/", {"role": "member"}).status_code == 403
    assert client.patch(f"{g}/members/{world['role_target'].uuid}/", {"role": "owner"}).status_code == 403
    assert client.post(f"{g}/members/", {"user": str(UserFactory().uuid), "role": "owner"}).status_code == 403
    assert client.delete(f"{g}/members/{other_admin.uuid}/").status_code == 403
    assert client.delete(f"{g}/members/{owner.uuid}/").status_code == 403
    assert client.patch(f"{g}/members/{group_admin.uuid}/", {"role": "member"}).status_code == 200


def test_an_invite_is_visible_only_to_its_invitee_and_the_groups_managers(client_for, world):
    invite = world["invite"]
    seen_by = {
        who: str(invite.uuid) in [i["id"] for i in client_for(user).get("/api/v1/invites/").json()["results"]]
        for who, user in {**world["people"], "invitee": invite.invitee}.items()
    }
    assert seen_by == {
        "owner": True,
        "group_admin": True,
        "invitee": True,
        "member": False,
        "outsider": False,
        "admin_role": False,
    }
