from io import StringIO

import pytest
from django.core.management import call_command

from leave.models import LeaveRequest, RequestStatus
from leave.selectors.requests import clashes_elsewhere
from scheduling.models import Appointment, AppointmentStatus, AvailabilitySchedule, Service

pytestmark = pytest.mark.django_db


def test_demo_appointment_is_booked_once_and_sams_leave_shows_the_clash():
    call_command("seed_demo", stdout=StringIO())
    counts = (Service.objects.count(), AvailabilitySchedule.objects.count(), Appointment.objects.count())
    call_command("seed_demo", stdout=StringIO())

    assert (Service.objects.count(), AvailabilitySchedule.objects.count(), Appointment.objects.count()) == counts
    service = Service.objects.get()
    assert [member.email for member in service.staff.all()] == ["staff@example.com"]
    appointment = Appointment.objects.get()
    assert (appointment.customer.email, appointment.staff.email) == ("alice@example.com", "staff@example.com")
    assert appointment.status == AppointmentStatus.CONFIRMED
    sams = LeaveRequest.objects.get(user__email="staff@example.com")
    assert sams.status == RequestStatus.PENDING
    (clashes,) = clashes_elsewhere([sams])
    assert [clash["id"] for clash in clashes] == [str(appointment.uuid)]
