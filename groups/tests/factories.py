from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from groups.models import Group, GroupSession, Invite, Membership, MembershipRole
from tracking.tests.factories import SessionFactory


class GroupFactory(factory.django.DjangoModelFactory):
    """A group whose owner is a member with role owner (as the services make them)."""

    class Meta:
        model = Group
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Group {n}")
    owner = factory.SubFactory(UserFactory)
    goal_minutes = 600
    timezone = "UTC"

    @factory.post_generation
    def owner_joins(group, create, extracted, **kwargs):
        if create:
            Membership.objects.create(group=group, user=group.owner, role=MembershipRole.OWNER)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    group = factory.SubFactory(GroupFactory)
    user = factory.SubFactory(UserFactory)
    role = MembershipRole.MEMBER


class InviteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invite

    group = factory.SubFactory(GroupFactory)
    inviter = factory.LazyAttribute(lambda invite: invite.group.owner)
    invitee = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda invite: invite.invitee.email if invite.invitee else "someone@example.com")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))


class GroupSessionFactory(factory.django.DjangoModelFactory):
    """A session of the group, owned by the group's owner unless `session__owner` says otherwise."""

    class Meta:
        model = GroupSession

    group = factory.SubFactory(GroupFactory)
    session = factory.SubFactory(SessionFactory, owner=factory.SelfAttribute("..group.owner"))
