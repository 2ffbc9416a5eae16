from datetime import UTC, datetime, timedelta

import factory

from accounts.tests.factories import UserFactory
from tracking.models import Project, Session, SessionParticipant, Task, TimeEntry

# A Monday in the past: fixed dates keep the tests independent of today's date.
MONDAY = datetime(2025, 9, 15, tzinfo=UTC)


def at(day: int, hour: float, base: datetime = MONDAY) -> datetime:
    """`day` days after MONDAY (0 = Monday), at `hour` UTC (fractions are minutes)."""
    return base + timedelta(days=day, hours=hour)


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Faker("catch_phrase")
    billable = True


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Task {n}")


class TimeEntryFactory(factory.django.DjangoModelFactory):
    """Written straight to the database (no service checks): for arranging a test's data."""

    class Meta:
        model = TimeEntry

    user = factory.SubFactory(UserFactory)
    start = factory.Sequence(lambda n: at(0, 0) + timedelta(hours=2 * n))
    end = factory.LazyAttribute(lambda entry: entry.start + timedelta(hours=1))
    activity = "Work"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session
        skip_postgeneration_save = True

    owner = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Session {n}")

    @factory.post_generation
    def owner_joins(session, create, extracted, **kwargs):
        if create:
            SessionParticipant.objects.create(session=session, user=session.owner, joined_at=session.created_at)
