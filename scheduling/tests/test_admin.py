"""The staff console for appointments, without a browser: STAFF see only the appointments they
serve, by day and hour in their zone, and confirm or cancel through the services; ADMINs manage
services and availability through the services too."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from accounts.models import Notification
from accounts.tests.factories import StaffFactory, UserFactory
from audit.models import Action, AuditEvent
from scheduling.models import AppointmentStatus, AvailabilityOverride, AvailabilitySchedule, Service
from scheduling.tests.factories import (
    AppointmentFactory,
    OverrideFactory,
    ScheduleFactory,
    ServiceFactory,
    berlin_staff,
)

pytestmark = pytest.mark.django_db
APPOINTMENTS = "/admin/scheduling/appointment/"


def console(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_admin_pages_load(admin_user):
    staff = berlin_staff()
    service = ServiceFactory(staff=[staff])
    schedule = ScheduleFactory(staff=staff)
    override = OverrideFactory(staff=staff)
    appointment = AppointmentFactory(staff=staff, service=service)
    client = console(admin_user)
    for url in (
        "/admin/scheduling/service/",
        "/admin/scheduling/service/add/",
        f"/admin/scheduling/service/{service.pk}/change/",
        "/admin/scheduling/availabilityschedule/",
        f"/admin/scheduling/availabilityschedule/{schedule.pk}/change/",
        "/admin/scheduling/availabilityoverride/",
        f"/admin/scheduling/availabilityoverride/{override.pk}/change/",
        APPOINTMENTS,
        f"{APPOINTMENTS}?start_utc__year=2027&start_utc__month=1&start_utc__day=4",
        f"{APPOINTMENTS}?status__exact=confirmed&service__id__exact={service.pk}",
        f"{APPOINTMENTS}{appointment.pk}/change/",
    ):
        assert client.get(url).status_code == 200, url


def test_staff_see_only_the_appointments_they_serve_by_local_day_and_hour(clock):
    staff, colleague = berlin_staff(), berlin_staff()
    mine = AppointmentFactory(staff=staff, start_utc=datetime(2027, 1, 4, 8, 0, tzinfo=UTC))
    theirs = AppointmentFactory(staff=colleague)
    client = console(staff)

    listing = client.get(APPOINTMENTS).content.decode()

    assert f"{APPOINTMENTS}{mine.pk}/change/" in listing
    assert f"{APPOINTMENTS}{theirs.pk}/change/" not in listing
    assert "Mon 2027-01-04" in listing and "09:00" in listing  # 08:00Z is 09:00 in Berlin
    assert client.get(f"{APPOINTMENTS}{theirs.pk}/change/").status_code == 302
    assert client.get("/admin/scheduling/service/").status_code == 403


def test_staff_confirm_and_cancel_from_the_console_through_the_services(clock):
    staff = berlin_staff()
    requested = AppointmentFactory(staff=staff, status=AppointmentStatus.REQUESTED)
    confirmed = AppointmentFactory(staff=staff)
    theirs = AppointmentFactory(staff=StaffFactory(), status=AppointmentStatus.REQUESTED)
    client = console(staff)

    client.post(APPOINTMENTS, {"action": "confirm", "_selected_action": [requested.pk, theirs.pk]})
    client.post(APPOINTMENTS, {"action": "cancel", "_selected_action": [confirmed.pk]})

    requested.refresh_from_db()
    confirmed.refresh_from_db()
    theirs.refresh_from_db()
    assert requested.status == AppointmentStatus.CONFIRMED
    assert confirmed.status == AppointmentStatus.CANCELLED and confirmed.cancelled_by == staff
    assert theirs.status == AppointmentStatus.REQUESTED  # not theirs to confirm
    assert Notification.objects.filter(user=requested.customer, kind="appointment.confirmed").exists()
    assert AuditEvent.objects.filter(action=Action.APPOINTMENT_CANCEL, actor=staff).count() == 1


def test_admins_create_and_change_services_through_the_service(admin_user):
    staff = StaffFactory()
    client = console(admin_user)
    fields = {
        "name": "Check-up",
        "description": "",
        "duration_minutes": 30,
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 10,
        "min_notice_minutes": 60,
        "horizon_days": 30,
        "slot_step_minutes": 15,
        "location": "",
        "active": "on",
        "staff": [staff.pk],
    }

    created = client.post("/admin/scheduling/service/add/", fields)
    service = Service.objects.get(name="Check-up")
    changed = client.post(f"/admin/scheduling/service/{service.pk}/change/", {**fields, "duration_minutes": 45})

    assert created.status_code == 302 and changed.status_code == 302
    service.refresh_from_db()
    assert service.duration_minutes == 45 and list(service.staff.all()) == [staff]
    changes = [e.changes for e in AuditEvent.objects.filter(action=Action.SERVICE_CHANGE).order_by("pk")]
    assert len(changes) == 2 and changes[1] == {"duration_minutes": [30, 45]}


def test_admins_set_availability_and_overrides_through_the_services(admin_user):
    staff = berlin_staff()
    client = console(admin_user)

    client.post(
        "/admin/scheduling/availabilityschedule/add/",
        {
            "staff": staff.pk,
            "timezone": "Europe/Berlin",
            "valid_from": "2027-01-01",
            "weekly": '[{"weekday": 1, "start": "9:00", "end": "12:00"}]',
        },
    )
    bad = client.post(
        "/admin/scheduling/availabilityschedule/add/",
        {"staff": staff.pk, "timezone": "Europe/Berlin", "valid_from": "2027-02-01", "weekly": '[{"weekday": 1}]'},
    )
    client.post(
        "/admin/scheduling/availabilityoverride/add/",
        {"staff": staff.pk, "date": "2027-01-04", "intervals": "[]", "note": "Off"},
    )
    override = AvailabilityOverride.objects.get(staff=staff)
    client.post("/admin/scheduling/availabilityoverride/", {"action": "delete_each", "_selected_action": [override.pk]})

    # "9:00" is refused by the service (HH:MM): nothing saved, the page says why.
    assert not AvailabilitySchedule.objects.exists()
    assert bad.status_code == 200
    assert not AvailabilityOverride.objects.exists()
    assert AuditEvent.objects.filter(action=Action.AVAILABILITY_CHANGE, actor=admin_user).count() == 2


def test_a_user_cannot_open_the_console():
    response = console(UserFactory()).get(APPOINTMENTS)

    assert response.status_code == 302
