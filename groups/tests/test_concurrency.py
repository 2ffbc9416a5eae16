"""Races over real transactions: threads, each with its own database connection, on SQLite and
PostgreSQL. The PostgreSQL-only test takes the service's group lock away to show the partial
unique constraint alone still allows one pending invite."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Notification
from accounts.tests.factories import AdminFactory
from audit.models import AuditEvent
from config.testing import bearer_client as bearer
from config.testing import race, statuses
from groups.models import Group, GroupStatus, Invite, Membership, MembershipRole
from groups.services import invites
from groups.services.groups import groups_archive_expired
from groups.tests.factories import GroupFactory, InviteFactory, MembershipFactory


@pytest.mark.django_db(transaction=True)
def test_archive_runs_at_the_same_time_archive_and_notify_once():
    groups = [GroupFactory(ends_on=date(2020, 1, 1)) for _ in range(3)]
    for group in groups:
        MembershipFactory.create_batch(2, group=group)
    admin = AdminFactory()
    endpoint = "/api/v1/maintenance/archive-expired-groups/"

    results = race(
        [
            lambda: len(groups_archive_expired().archived),
            lambda: len(groups_archive_expired().archived),
            lambda: bearer(admin).post(endpoint).json()["archived_groups"],
            lambda: bearer(admin).post(endpoint).json()["archived_groups"],
        ]
    )

    assert sum(results) == 3
    assert set(Group.objects.values_list("status", flat=True)) == {GroupStatus.ARCHIVED}
    assert Notification.objects.filter(kind="group.archived").count() == 9
    assert AuditEvent.objects.filter(action="group.archive").count() == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_invites_for_one_address_give_one_201():
    group = GroupFactory()
    managers = [group.owner] + [MembershipFactory(group=group, role=MembershipRole.ADMIN).user for _ in range(3)]
    url = f"/api/v1/groups/{group.uuid}/invite/"

    responses = race([lambda m=m: bearer(m).post(url, {"email": "race@example.com"}) for m in managers])

    assert statuses(responses) == [201, 409, 409, 409]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"invite_pending"}
    assert Invite.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_accepting_one_invite_twice_at_once_joins_once():
    invite = InviteFactory()
    url = f"/api/v1/invites/{invite.uuid}/accept/"

    responses = race([lambda: bearer(invite.invitee).post(url) for _ in range(3)])

    assert statuses(responses) == [200, 409, 409]
    assert Membership.objects.filter(group=invite.group, user=invite.invitee).count() == 1
    assert Notification.objects.filter(kind="group.invite_accepted").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_owners_leaving_at_once_leave_one_owner():
    group = GroupFactory()
    second = MembershipFactory(group=group, role=MembershipRole.OWNER).user
    owners = [group.owner, second]

    responses = race([lambda o=o: bearer(o).delete(f"/api/v1/groups/{group.uuid}/members/{o.uuid}/") for o in owners])

    assert statuses(responses) == [204, 409]
    remaining = Membership.objects.get(group=group)
    assert remaining.role == MembershipRole.OWNER
    assert Group.objects.get(pk=group.pk).owner_id == remaining.user_id


@pytest.fixture
def without_group_lock(monkeypatch):
    """Take the services' group-row lock away, so only the database constraints stand between
    two racing writers."""

    def unlocked(group):
        return Group.objects.get(pk=group.pk)

    monkeypatch.setattr(invites, "lock_group", unlocked)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_partial_unique_constraint_refuses_the_pending_invite_the_service_did_not_see(without_group_lock):
    group = GroupFactory()
    managers = [group.owner] + [MembershipFactory(group=group, role=MembershipRole.ADMIN).user for _ in range(3)]
    url = f"/api/v1/groups/{group.uuid}/invite/"
    for round_ in range(3):  # the unlocked checks pass together more often than not; every round must hold
        responses = race([lambda m=m, r=round_: bearer(m).post(url, {"email": f"r{r}@example.com"}) for m in managers])
        assert statuses(responses) == [201, 409, 409, 409]
        assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"invite_pending"}
    assert Invite.objects.count() == 3


@pytest.mark.django_db
def test_the_database_allows_one_pending_invite_per_person():
    invite = InviteFactory()
    with pytest.raises(IntegrityError, match="groups_invite_one_pending|UNIQUE"), transaction.atomic():
        InviteFactory(group=invite.group, invitee=invite.invitee, email="other@example.com")
    with pytest.raises(IntegrityError, match="groups_invite_one_pending|UNIQUE"), transaction.atomic():
        InviteFactory(group=invite.group, invitee=None, email=invite.email)
    invite.status, invite.responded_at = "declined", invite.created_at
    invite.save()
    InviteFactory(group=invite.group, invitee=invite.invitee)  # a new one once the first is answered
    InviteFactory(invitee=invite.invitee)  # and another group's
    assert Invite.objects.filter(invitee=invite.invitee, status="pending").count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(group=invite.group, user=invite.group.owner)
