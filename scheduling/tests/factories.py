from datetime import date, datetime, timedelta

import factory

from accounts.tests.factories import StaffFactory, UserFactory
from scheduling.models import Appointment, AppointmentStatus, AvailabilityOverride, AvailabilitySchedule, Service

NINE_TO_FIVE = [{"weekday": day, "start": "09:00", "end": "17:00"} for day in range(1, 6)]


def berlin_staff(**kwargs):
    """A STAFF member in Berlin (zone, and Berlin's public holidays)."""
    return StaffFactory(timezone="Europe/Berlin", country="DE", subdivision="BE", **kwargs)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Consultation {n}")
    duration_minutes = 60
    slot_step_minutes = 15
    min_notice_minutes = 60
    horizon_days = 365
    location = "Room 1"

    @factory.post_generation
    def staff(self, create, extracted, **kwargs):
        if create and extracted:
            self.staff.set(extracted)


class ScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilitySchedule

    staff = factory.SubFactory(StaffFactory)
    timezone = "Europe/Berlin"
    valid_from = date(2026, 1, 1)
    weekly = factory.LazyFunction(lambda: [dict(i) for i in NINE_TO_FIVE])


def scheduled_berlin_staff(**kwargs):
    """A Berlin STAFF member (`berlin_staff`) working ScheduleFactory's default week."""
    member = berlin_staff(**kwargs)
    ScheduleFactory(staff=member)
    return member


class OverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityOverride

    staff = factory.SubFactory(StaffFactory)
    date = date(2026, 12, 24)
    intervals = factory.LazyFunction(list)


class AppointmentFactory(factory.django.DjangoModelFactory):
    """Written straight to the database (no availability check): for arranging a test's data."""

    class Meta:
        model = Appointment

    customer = factory.SubFactory(UserFactory)
    staff = factory.SubFactory(StaffFactory)
    service = factory.SubFactory(ServiceFactory)
    start_utc = factory.Sequence(lambda n: datetime.fromisoformat("2027-01-04T09:00:00+00:00") + timedelta(hours=2 * n))
    end_utc = factory.LazyAttribute(lambda a: a.start_utc + timedelta(minutes=a.service.duration_minutes))
    blocked_from = factory.LazyAttribute(lambda a: a.start_utc - timedelta(minutes=a.service.buffer_before_minutes))
    blocked_until = factory.LazyAttribute(lambda a: a.end_utc + timedelta(minutes=a.service.buffer_after_minutes))
    status = AppointmentStatus.CONFIRMED
    location = factory.LazyAttribute(lambda a: a.service.location)
