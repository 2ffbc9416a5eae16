"""LockIN's flows end to end over HTTP: a group from creation to archive."""

import pytest

from accounts.models import User
from accounts.tests.factories import AdminFactory, UserFactory
from accounts.tests.mail import verify_account
from audit.models import AuditEvent
from groups.models import Group
from groups.services.groups import group_archive

pytestmark = pytest.mark.django_db

API = "/api/v1"


def ok(response, status=200):
    assert response.status_code == status, response.content
    return response.json() if response.content else None


def test_a_focus_group_from_creation_to_archive(client_for, api_client, clock, inbox):
    alice, bob, dave = UserFactory(display_name="Alice"), UserFactory(display_name="Bob"), UserFactory()
    as_alice, as_bob, as_dave = client_for(alice), client_for(bob), client_for(dave)

    group = ok(
        as_alice.post(
            f"{API}/groups/",
            {"name": "Deep work", "goal_minutes": 120, "period": "week", "timezone": "Europe/Berlin"},
        ),
        201,
    )
    assert (group["my_role"], group["member_count"], group["owner"]["id"]) == ("owner", 1, str(alice.uuid))
    url = f"{API}/groups/{group['id']}"

    # Invites: by account and by an address that has no account yet.
    to_bob = ok(as_alice.post(f"{url}/invite/", {"user": str(bob.uuid)}), 201)
    to_carol = ok(as_alice.post(f"{url}/invite/", {"email": "Carol@Example.com"}), 201)
    to_dave = ok(as_alice.post(f"{url}/invite/", {"user": str(dave.uuid)}), 201)
    assert to_carol["invitee"] is None and to_carol["email"] == "carol@example.com"
    assert inbox(bob) == ["group.invited"]

    ok(as_bob.post(f"{API}/invites/{to_bob['id']}/accept/"))
    ok(as_dave.post(f"{API}/invites/{to_dave['id']}/decline/"))
    assert inbox(alice) == ["group.invite_accepted", "group.invite_declined"]

    carol = ok(
        api_client.post(f"{API}/auth/register/", {"email": "carol@example.com", "password": "a-Long-pass-91"}), 201
    )
    verify_account(User.objects.get(email="carol@example.com"))  # an invite to an address needs it verified
    as_carol = client_for(User.objects.get(email="carol@example.com"))
    mine = ok(as_carol.get(f"{API}/invites/"))["results"]
    assert [i["id"] for i in mine] == [to_carol["id"]]
    ok(as_carol.post(f"{API}/invites/{to_carol['id']}/accept/"))

    members = ok(as_bob.get(f"{url}/members/"))["results"]
    assert [(m["user"]["id"], m["role"]) for m in members] == [
        (str(alice.uuid), "owner"),
        (str(bob.uuid), "member"),
        (carol["user"]["id"], "member"),
    ]

    # Personal settings by the member, a role by the owner, a removal.
    mine = ok(as_bob.patch(f"{url}/members/{bob.uuid}/", {"goal_minutes": 60, "muted": True}))
    assert (mine["goal_minutes"], mine["effective_goal_minutes"], mine["muted"]) == (60, 60, True)
    assert ok(as_alice.patch(f"{url}/members/{carol['user']['id']}/", {"role": "admin"}))["role"] == "admin"
    ok(as_alice.delete(f"{url}/members/{carol['user']['id']}/"), 204)
    assert AuditEvent.objects.filter(action__in=["group.member_role_change", "group.member_remove"]).count() == 2
    assert as_carol.get(url).status_code == 404
    assert inbox(User.objects.get(email="carol@example.com")) == ["group.role_changed", "group.member_removed"]

    # Clone: same settings and members, none of the sessions.
    copy = ok(as_alice.post(f"{url}/clone/", {"name": "Deep work II"}), 201)
    assert (copy["goal_minutes"], copy["timezone"], copy["member_count"]) == (120, "Europe/Berlin", 2)

    # A group session: bob starts it, alice joins; both log time.
    session = ok(as_bob.post(f"{url}/sessions/", {"title": "Focus hour"}), 201)
    sid = session["id"]
    ok(as_alice.post(f"{API}/sessions/{sid}/join/"))
    ok(as_bob.post(f"{API}/sessions/{sid}/start/"))
    clock.advance(minutes=45)
    ok(as_bob.post(f"{API}/sessions/{sid}/stop/"))
    ok(as_alice.post(f"{API}/sessions/{sid}/logs/", {"start_utc": "2025-09-15T07:00:00Z", "duration": 90 * 60}), 201)
    participants = ok(as_alice.get(f"{API}/sessions/{sid}/participants/"))["results"]
    assert {(p["user"], p["minutes"]) for p in participants} == {(str(bob.uuid), 45), (str(alice.uuid), 90)}
    assert ok(as_alice.get(f"{API}/groups/{copy['id']}/sessions/"))["count"] == 0

    progress = ok(as_bob.get(f"{url}/progress/current/"))
    rows = [(r["user"]["id"], r["minutes"], r["goal_minutes"], r["percent"], r["rank"]) for r in progress["members"]]
    assert rows == [(str(alice.uuid), 90, 120, 75, 1), (str(bob.uuid), 45, 60, 75, 2)]
    assert (progress["period_start"], progress["period_end"]) == ("2025-09-14T22:00:00Z", "2025-09-21T22:00:00Z")

    # Archive: every write is a 409, reads still work, members were told (bob muted the group).
    group_archive(actor=AdminFactory(), group=Group.objects.get(uuid=group["id"]))
    assert inbox(alice)[-1] == "group.archived"
    assert "group.archived" not in inbox(bob)
    writes = [
        as_alice.patch(url, {"name": "x"}),
        as_alice.post(f"{url}/invite/", {"email": "new@example.com"}),
        as_alice.post(f"{url}/members/", {"user": str(dave.uuid)}),
        as_alice.patch(f"{url}/members/{bob.uuid}/", {"goal_minutes": 30}),
        as_alice.delete(f"{url}/members/{bob.uuid}/"),
        as_bob.post(f"{url}/sessions/", {"title": "more"}),
        as_alice.post(f"{API}/sessions/{sid}/leave/"),
        as_alice.post(f"{API}/sessions/{sid}/logs/", {"start_utc": "2025-09-15T05:00:00Z", "duration": 60}),
        as_alice.post(f"{API}/sessions/{sid}/clock-in/"),
        as_bob.patch(f"{API}/sessions/{sid}/", {"title": "renamed"}),
    ]
    for response in writes:
        assert response.status_code == 409, response.content
        assert response.json()["error"]["code"] == "group_archived"
        assert "archived" in response.json()["error"]["message"]
    assert ok(as_bob.get(url))["status"] == "archived"
    assert ok(as_bob.get(f"{url}/members/"))["count"] == 2
    assert ok(as_bob.get(f"{url}/progress/current/"))["members"][0]["minutes"] == 90
    assert ok(as_bob.get(f"{url}/sessions/"))["count"] == 1
    assert ok(as_alice.post(f"{url}/clone/"), 201)["status"] == "active"
