"""Invites over HTTP: by account or address, accept, decline, revoke, expiry, the inbox."""

from datetime import timedelta

import pytest

from accounts.models import User
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.mail import verify_account, verify_address
from config.errors import PermissionDenied
from groups.models import Invite, InviteStatus, Membership, MembershipRole
from groups.services.invites import invite_accept
from groups.tests.factories import GroupFactory, InviteFactory, MembershipFactory

pytestmark = pytest.mark.django_db

INVITES = "/api/v1/invites/"


def invite_url(group) -> str:
    return f"/api/v1/groups/{group.uuid}/invite/"


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"user": "6f1c1f7e-3b1a-4f0e-9a55-0d4c3d2b1a00", "email": "a@example.com"},
        {"email": "not an address"},
        {"email": ""},
        {"user": "not-a-uuid"},
        {"user": "6f1c1f7e-3b1a-4f0e-9a55-0d4c3d2b1a00"},
        {"email": ["a@example.com"]},
    ],
)
def test_bad_invites_are_400(client_for, payload):
    group = GroupFactory()
    response = client_for(group.owner).post(invite_url(group), payload, format="json")
    assert response.status_code == 400, response.content
    assert not Invite.objects.exists()


def test_an_address_with_an_account_is_bound_to_it(client_for, inbox):
    group = GroupFactory()
    person = UserFactory(email="pat@example.com")
    body = client_for(group.owner).post(invite_url(group), {"email": " PAT@example.com "}).json()
    assert (body["invitee"], body["email"], body["status"]) == (str(person.uuid), "pat@example.com", "pending")
    assert inbox(person) == ["group.invited"]


def test_one_pending_invite_per_person_and_none_for_members(client_for, clock):
    group = GroupFactory()
    person = UserFactory()
    member = MembershipFactory(group=group).user
    client = client_for(group.owner)
    assert client.post(invite_url(group), {"user": str(person.uuid)}).status_code == 201
    for payload in ({"user": str(person.uuid)}, {"email": person.email}):
        again = client.post(invite_url(group), payload)
        assert (again.status_code, again.json()["error"]["code"]) == (409, "invite_pending")
    taken = client.post(invite_url(group), {"email": member.email})
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "already_member")
    # Once the first invite is past its expiry, a new one replaces it.
    clock.advance(days=15)
    assert client.post(invite_url(group), {"email": person.email}).status_code == 201
    assert sorted(Invite.objects.values_list("status", flat=True)) == ["expired", "pending"]


def test_an_address_invited_before_it_had_an_account_finds_the_invite(
    client_for, api_client, inbox, django_capture_on_commit_callbacks
):
    group = GroupFactory()
    invite = client_for(group.owner).post(invite_url(group), {"email": "newcomer@example.com"}).json()
    with django_capture_on_commit_callbacks(execute=True):
        registered = api_client.post(
            "/api/v1/auth/register/", {"email": "Newcomer@example.com", "password": "a-Long-pass-91"}
        )
    verify_address("newcomer@example.com")  # an invite to an address is for whoever verified it
    newcomer = User.objects.get(email="newcomer@example.com")
    assert registered.status_code == 201
    client = client_for(newcomer)
    assert [i["id"] for i in client.get(INVITES).json()["results"]] == [invite["id"]]
    accepted = client.post(f"{INVITES}{invite['id']}/accept/").json()
    assert (accepted["status"], accepted["invitee"]) == ("accepted", str(newcomer.uuid))
    assert Membership.objects.get(group=group, user=newcomer).role == MembershipRole.MEMBER
    assert inbox(group.owner) == ["group.invite_accepted"]


def test_answers_are_final_and_expired_invites_cannot_be_accepted(client_for, clock):
    invite = InviteFactory(expires_at=clock.now + timedelta(days=1))
    client = client_for(invite.invitee)
    assert client.post(f"{INVITES}{invite.uuid}/decline/").json()["status"] == "declined"
    for command in ("accept", "decline"):
        response = client.post(f"{INVITES}{invite.uuid}/{command}/")
        assert (response.status_code, response.json()["error"]["code"]) == (409, "invite_not_pending")

    late = InviteFactory(expires_at=clock.now + timedelta(days=1))
    clock.advance(days=2)
    response = client_for(late.invitee).post(f"{INVITES}{late.uuid}/accept/")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "invite_expired")
    assert not Membership.objects.filter(user=late.invitee).exists()


def test_managers_revoke_and_the_invitee_is_told(client_for, inbox):
    invite = InviteFactory()
    group_admin = MembershipFactory(group=invite.group, role=MembershipRole.ADMIN).user
    response = client_for(group_admin).post(f"{INVITES}{invite.uuid}/decline/")
    assert response.json()["status"] == "revoked"
    assert inbox(invite.invitee) == ["group.invite_revoked"]
    assert inbox(invite.inviter) == []
    assert client_for(invite.invitee).post(f"{INVITES}{invite.uuid}/accept/").status_code == 409


def test_replies_skip_an_inviter_who_muted_the_group_or_left_it(client_for, inbox):
    muted = InviteFactory()
    Membership.objects.filter(group=muted.group, user=muted.inviter).update(muted=True)
    client_for(muted.invitee).post(f"{INVITES}{muted.uuid}/accept/")
    gone = InviteFactory(inviter=MembershipFactory().user)
    client_for(gone.invitee).post(f"{INVITES}{gone.uuid}/decline/")
    assert inbox(muted.inviter) == [] and inbox(gone.inviter) == []


def test_my_invites_list_pending_first_with_filters(client_for, user, clock):
    old_pending = InviteFactory(invitee=user, email=user.email)
    clock.advance(hours=1)
    answered = InviteFactory(invitee=user, email=user.email, status=InviteStatus.DECLINED, responded_at=clock.now)
    clock.advance(hours=1)
    new_pending = InviteFactory(invitee=user, email=user.email)
    managed = GroupFactory(owner=user)
    sent = InviteFactory(group=managed, inviter=user)
    client = client_for(user)
    listed = [i["id"] for i in client.get(INVITES).json()["results"]]
    assert listed[:3] == [str(sent.uuid), str(new_pending.uuid), str(old_pending.uuid)]
    assert listed[3] == str(answered.uuid)
    received = [i["id"] for i in client.get(f"{INVITES}?received=true").json()["results"]]
    assert received == [str(new_pending.uuid), str(old_pending.uuid), str(answered.uuid)]
    assert [i["id"] for i in client.get(f"{INVITES}?received=false").json()["results"]] == [str(sent.uuid)]
    assert client.get(f"{INVITES}?status=declined").json()["count"] == 1
    assert client.get(f"{INVITES}?group={managed.uuid}").json()["count"] == 1
    for junk in ("received=maybe", "status=lost", "group=nope"):
        assert client.get(f"{INVITES}?{junk}").status_code == 400, junk


def test_received_takes_true_or_false_and_refuses_anything_else(client_for, user):
    mine = InviteFactory(invitee=user, email=user.email)
    client = client_for(user)
    assert [i["id"] for i in client.get(f"{INVITES}?received=1").json()["results"]] == [str(mine.uuid)]
    assert client.get(f"{INVITES}?received=0").json()["count"] == 0
    refused = client.get(f"{INVITES}?received=maybe")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"received": ["Use true or false."]}


def test_invite_list_follows_the_page_size(client_for, user):
    for _ in range(6):
        InviteFactory(invitee=user, email=user.email)
    for _ in range(6):
        InviteFactory(group=GroupFactory(owner=user), inviter=user)
    client = client_for(user)
    small = client.get(f"{INVITES}?page_size=2")
    large = client.get(f"{INVITES}?page_size=20")
    assert len(small.json()["results"]) == 2
    assert len(large.json()["results"]) == 12


# --- invites to an address are claimed by a verified address only ------------------------------


def test_changing_ones_address_to_the_invited_one_does_not_claim_the_invite(client_for):
    group = GroupFactory()
    invite = client_for(group.owner).post(invite_url(group), {"email": "victim@example.com"}).json()
    mallory = UserFactory()
    as_mallory = client_for(mallory)

    changed = as_mallory.patch("/api/v1/auth/me/", {"email": "victim@example.com", "current_password": PASSWORD})

    assert changed.status_code == 200 and changed.json()["user"]["email"] == mallory.email
    assert as_mallory.get(INVITES).json()["results"] == []
    assert as_mallory.post(f"{INVITES}{invite['id']}/accept/").status_code == 404
    assert Invite.objects.get(uuid=invite["id"]).status == InviteStatus.PENDING
    assert not Membership.objects.filter(group=group, user=mallory).exists()


def test_an_unverified_account_with_the_invited_address_cannot_claim_it(client_for, api_client):
    group = GroupFactory()
    invite = client_for(group.owner).post(invite_url(group), {"email": "victim@example.com"}).json()
    api_client.post("/api/v1/auth/register/", {"email": "victim@example.com", "password": "a-Long-pass-91"})
    squatter = User.objects.get(email="victim@example.com")
    client = client_for(squatter)

    assert client.get(INVITES).json()["results"] == []
    assert client.post(f"{INVITES}{invite['id']}/accept/").status_code == 404
    assert client.post(f"{INVITES}{invite['id']}/decline/").status_code == 404
    assert Invite.objects.get(uuid=invite["id"]).status == InviteStatus.PENDING


def test_an_invite_to_an_unverified_accounts_address_waits_for_its_verification(client_for, inbox):
    group = GroupFactory()
    person = UserFactory(email="pat@example.com", email_verified=False)

    body = client_for(group.owner).post(invite_url(group), {"email": "pat@example.com"}).json()

    assert body["invitee"] is None  # not bound to an account that has not proved the address
    assert inbox(person) == []
    assert client_for(person).get(INVITES).json()["results"] == []
    verify_account(person)
    person.refresh_from_db()
    accepted = client_for(person).post(f"{INVITES}{body['id']}/accept/")
    assert (accepted.status_code, accepted.json()["invitee"]) == (200, str(person.uuid))


def test_the_service_refuses_an_unverified_claim_too():
    invite = InviteFactory(invitee=None, email="someone@example.com")
    claimant = UserFactory(email="someone@example.com", email_verified=False)

    with pytest.raises(PermissionDenied):
        invite_accept(actor=claimant, invite=invite)
