"""Races over real transactions: threads, each with its own database connection, booking at one
moment. They run on SQLite and PostgreSQL; the PostgreSQL-only ones take the service's lock away
to prove the exclusion constraint alone refuses double bookings."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from accounts.tests.factories import UserFactory
from config.testing import bearer_client, race, statuses
from scheduling.models import ACTIVE_STATUSES, Appointment
from scheduling.services import appointments
from scheduling.tests.factories import (
    AppointmentFactory,
    ServiceFactory,
    berlin_staff,
    scheduled_berlin_staff,
)

URL = "/api/v1/appointments/"
CONTENDERS = 20
ROUNDS = 50
FIRST = datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin


def _weekday_slot(round_number: int) -> datetime:
    """A different free slot each round: 09:00–16:00 Berlin on consecutive weekdays."""
    day, hour = divmod(round_number, 8)
    weeks, weekday = divmod(day, 5)
    return FIRST + timedelta(weeks=weeks, days=weekday, hours=hour)


def _no_double_bookings(staff) -> None:
    active = list(
        Appointment.objects.filter(staff=staff, status__in=ACTIVE_STATUSES)
        .order_by("blocked_from")
        .values_list("blocked_from", "blocked_until")
    )
    for (_, previous_end), (start, _) in zip(active, active[1:], strict=False):
        assert start >= previous_end, "two active appointments of one staff member overlap"


@pytest.fixture
def setting(clock):
    staff = scheduled_berlin_staff()
    service = ServiceFactory(staff=[staff], buffer_before_minutes=0, buffer_after_minutes=0)
    clients = [bearer_client(UserFactory()) for _ in range(CONTENDERS)]
    return staff, service, clients


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_bookings_of_one_slot_give_one_201_and_nineteen_409s_fifty_times(setting):
    staff, service, clients = setting

    for round_number in range(ROUNDS):
        start = _weekday_slot(round_number)
        body = {"service": str(service.uuid), "start_utc": start.isoformat()}

        responses = race([lambda c=c, body=body: c.post(URL, body) for c in clients])

        assert statuses(responses) == [201] + [409] * (CONTENDERS - 1), (round_number, statuses(responses))
        losers = [r.json()["error"] for r in responses if r.status_code == 409]
        assert {error["code"] for error in losers} == {"slot_taken"}
        assert all(start.isoformat().replace("+00:00", "Z") in error["message"] for error in losers)
        assert Appointment.objects.filter(staff=staff, start_utc=start).count() == 1
    assert Appointment.objects.count() == ROUNDS
    _no_double_bookings(staff)


@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_bookings_of_different_starts_leave_no_overlap(setting):
    staff, service, clients = setting
    starts = [FIRST + timedelta(minutes=15 * i) for i in range(4)]  # 09:00..09:45, each overlapping the others

    responses = race([lambda c=c, s=s: c.post(URL, {"service": str(service.uuid), "start_utc": s.isoformat()})
                      for c, s in zip(clients, starts, strict=False)])  # fmt: skip

    assert statuses(responses) == [201, 409, 409, 409]
    _no_double_bookings(staff)


@pytest.mark.django_db(transaction=True)
def test_a_reschedule_racing_a_booking_for_the_same_slot_leaves_one(setting):
    staff, service, clients = setting
    moving = AppointmentFactory(staff=staff, service=service, start_utc=FIRST + timedelta(hours=3))
    mover = bearer_client(moving.customer)
    target = (FIRST + timedelta(hours=5)).isoformat()

    responses = race(
        [
            lambda: mover.patch(f"{URL}{moving.uuid}/", {"start_utc": target}),
            lambda: clients[0].post(URL, {"service": str(service.uuid), "start_utc": target}),
        ]
    )

    assert sorted(r.status_code for r in responses) in ([200, 409], [201, 409])
    _no_double_bookings(staff)


@pytest.fixture
def without_staff_lock(monkeypatch):
    """Take the booking service's staff-row lock away, so only the database stands between
    racing writers."""
    monkeypatch.setattr(appointments, "lock_staff", lambda staff: None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_exclusion_constraint_refuses_the_double_booking_the_service_did_not_see(setting, without_staff_lock):
    staff, service, clients = setting

    for round_number in range(5):
        start = _weekday_slot(round_number)
        body = {"service": str(service.uuid), "start_utc": start.isoformat()}
        responses = race([lambda c=c, body=body: c.post(URL, body) for c in clients[:6]])

        assert statuses(responses) == [201, 409, 409, 409, 409, 409]
        # Unlocked inserts may wait on each other's exclusion check; PostgreSQL then aborts one
        # as a deadlock, which the API reports as a retryable conflict.
        codes = {r.json()["error"]["code"] for r in responses if r.status_code == 409}
        assert codes <= {"slot_taken", "concurrent_write"}
    _no_double_bookings(staff)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_refuses_overlapping_active_appointments_widened_by_buffers(clock):
    staff = berlin_staff()
    service = ServiceFactory(staff=[staff], buffer_after_minutes=15)
    AppointmentFactory(staff=staff, service=service, start_utc=FIRST)
    with pytest.raises(IntegrityError, match="scheduling_appointment_no_overlap"), transaction.atomic():
        AppointmentFactory(staff=staff, service=service, start_utc=FIRST + timedelta(minutes=70))  # in the buffer
    # After the buffer is fine; another staff member is fine; a cancelled one never blocks.
    AppointmentFactory(staff=staff, service=service, start_utc=FIRST + timedelta(minutes=75))
    AppointmentFactory(service=service, start_utc=FIRST)
    AppointmentFactory(staff=staff, service=service, start_utc=FIRST, status="cancelled")
    assert Appointment.objects.filter(staff=staff).count() == 3
