"""Leave meets scheduling over HTTP: approving leave over a staff member's appointments is a 409
listing them, or with `reassign_or_cancel=true` moves each to a free colleague or cancels it and
tells the customer. Scheduling answers through leave's before-approve hook."""

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Notification
from accounts.tests.factories import AdminFactory, UserFactory
from audit.models import Action, AuditEvent
from config.testing import bearer_client
from leave.hooks import before_approve
from leave.models import LeaveRequest, RequestStatus
from leave.tests.factories import LeaveRequestFactory, ledger_row
from scheduling.apps import SchedulingConfig
from scheduling.models import Appointment, AppointmentStatus
from scheduling.selectors import appointments_clashing
from scheduling.services.leave import check_appointments_before_leave
from scheduling.tests.factories import (
    AppointmentFactory,
    ScheduleFactory,
    ServiceFactory,
    berlin_staff,
    scheduled_berlin_staff,
)

pytestmark = pytest.mark.django_db
REQUESTS = "/api/v1/leave/requests/"
LEAVE_CONSOLE = "/admin/leave/leaverequest/"
TUESDAY_TEN = "2027-01-05T10:00:00+01:00"
TUESDAY_FOUR = "2027-01-05T16:00:00+01:00"


@pytest.fixture
def staff(clock, leave_types):
    member = scheduled_berlin_staff()
    ledger_row(member, days=25, year=2027)
    return member


@pytest.fixture
def service(staff):
    return ServiceFactory(staff=[staff])


@pytest.fixture
def customer():
    return UserFactory(timezone="Europe/Berlin")


def book(customer, service, start=TUESDAY_TEN) -> str:
    response = bearer_client(customer).post("/api/v1/appointments/", {"service": str(service.uuid), "start_utc": start})
    assert response.status_code == 201, response.content
    return response.json()["id"]


def ask_leave(staff, **span) -> str:
    body = {"type": "VACATION", "start_date": "2027-01-05", "end_date": "2027-01-05", **span}
    response = bearer_client(staff).post(REQUESTS, body)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def approve(request_id, **body):
    return bearer_client(AdminFactory()).post(f"{REQUESTS}{request_id}/approve/", body)


def test_the_check_is_registered_from_the_apps_ready():
    assert check_appointments_before_leave in before_approve.functions
    assert SchedulingConfig.name == "scheduling"


def test_approving_leave_over_a_booked_appointment_is_a_409_listing_it(staff, service, customer):
    appointment_id = book(customer, service)
    request_id = ask_leave(staff)

    response = approve(request_id)

    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == "appointments_clash"
    assert [a["id"] for a in error["appointments"]] == [appointment_id]
    assert error["appointments"][0]["start_utc"] == "2027-01-05T09:00:00Z"
    assert LeaveRequest.objects.get(uuid=request_id).status == RequestStatus.PENDING
    assert Appointment.objects.get(uuid=appointment_id).status == AppointmentStatus.CONFIRMED


def test_with_reassign_or_cancel_a_free_colleague_takes_it_and_the_customer_hears(staff, service, customer):
    colleague = scheduled_berlin_staff()
    service.staff.add(colleague)
    appointment_id = book(customer, service)
    request_id = ask_leave(staff)

    response = approve(request_id, reassign_or_cancel=True)

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    (warning,) = response.json()["warnings"]
    assert warning["code"] == "appointment_reassigned"
    appointment = Appointment.objects.get(uuid=appointment_id)
    assert appointment.staff == colleague and appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.ics_sequence == 1
    assert Notification.objects.filter(user=customer, kind="appointment.rescheduled").exists()
    assert Notification.objects.filter(user=colleague, kind="appointment.rescheduled").exists()
    event = AuditEvent.objects.get(action=Action.APPOINTMENT_RESCHEDULE)
    assert event.changes["leave_request"] == request_id and event.changes["staff"] == [staff.email, colleague.email]


def test_with_reassign_or_cancel_and_nobody_free_it_is_cancelled_and_the_customer_hears(staff, service, customer):
    busy_colleague = berlin_staff()
    ScheduleFactory(staff=busy_colleague, weekly=[{"weekday": 2, "start": "13:00", "end": "17:00"}])
    service.staff.add(busy_colleague)
    appointment_id = book(customer, service)
    request_id = ask_leave(staff)

    response = approve(request_id, reassign_or_cancel=True)

    assert response.status_code == 200, response.content
    assert [w["code"] for w in response.json()["warnings"]] == ["appointment_cancelled"]
    appointment = Appointment.objects.get(uuid=appointment_id)
    assert appointment.status == AppointmentStatus.CANCELLED and appointment.cancel_reason
    notice = Notification.objects.get(user=customer, kind="appointment.cancelled")
    assert notice.payload["appointment"] == appointment_id
    assert AuditEvent.objects.filter(action=Action.APPOINTMENT_CANCEL).count() == 1


def test_the_approver_is_the_actor_of_every_move_and_cancellation(staff, service, customer):
    colleague = scheduled_berlin_staff()
    service.staff.add(colleague)
    book_with = {"service": str(service.uuid), "start_utc": TUESDAY_FOUR, "staff": str(colleague.uuid)}
    assert bearer_client(UserFactory()).post("/api/v1/appointments/", book_with).status_code == 201
    moved = book(customer, service, TUESDAY_TEN)  # the colleague is free then: reassigned
    cancelled = book(UserFactory(), service, TUESDAY_FOUR)  # the colleague is busy then: cancelled
    request_id = ask_leave(staff)
    approver = AdminFactory(display_name="Ada Approver")

    response = bearer_client(approver).post(f"{REQUESTS}{request_id}/approve/", {"reassign_or_cancel": True})

    assert response.status_code == 200, response.content
    rows = AuditEvent.objects.filter(action__in=[Action.APPOINTMENT_RESCHEDULE, Action.APPOINTMENT_CANCEL])
    assert sorted((row.action, row.target_id, row.actor_id, row.actor_email) for row in rows) == sorted(
        [
            (Action.APPOINTMENT_RESCHEDULE, moved, approver.pk, approver.email),
            (Action.APPOINTMENT_CANCEL, cancelled, approver.pk, approver.email),
        ]
    )
    assert Appointment.objects.get(uuid=cancelled).cancelled_by == approver
    notice = Notification.objects.get(user=customer, kind="appointment.rescheduled")
    assert notice.message.startswith("Ada Approver moved")


def test_half_day_leave_clashes_only_with_its_half(staff, service, customer):
    morning = book(customer, service, TUESDAY_TEN)
    afternoon = book(UserFactory(), service, TUESDAY_FOUR)

    clashes = appointments_clashing(
        staff=staff, start_date=date(2027, 1, 5), end_date=date(2027, 1, 5), start_half="afternoon"
    )
    request_id = ask_leave(staff, start_half="afternoon")
    response = approve(request_id)

    assert [str(a.uuid) for a in clashes] == [afternoon]
    assert [a["id"] for a in response.json()["error"]["appointments"]] == [afternoon]
    assert morning != afternoon


def test_leave_without_appointments_is_approved_as_before(staff, service, customer):
    book(customer, service, "2027-01-06T10:00:00+01:00")  # the day after
    request_id = ask_leave(staff)

    response = approve(request_id)

    assert response.status_code == 200 and response.json()["warnings"] == []


def test_approved_leave_removes_the_days_slots(staff, service, customer):
    request_id = ask_leave(staff)
    approve(request_id)

    body = bearer_client(customer).get(
        "/api/v1/slots/", {"service": str(service.uuid), "from": "2027-01-04", "to": "2027-01-07"}
    )

    assert sorted(body.json()["slots"]) == ["2027-01-04", "2027-01-06"]


def test_the_leave_console_shows_the_appointments_a_request_clashes_with(staff, service, customer):
    customer.display_name = "Carla Customer"
    customer.save()
    book(customer, service, TUESDAY_TEN)
    book(UserFactory(), service, "2027-01-06T10:00:00+01:00")  # the day after the leave
    request_id = ask_leave(staff)
    leave_request = LeaveRequest.objects.get(uuid=request_id)
    console = Client()
    console.force_login(AdminFactory())

    listed = console.get(LEAVE_CONSOLE)
    shown = console.get(f"{LEAVE_CONSOLE}{leave_request.pk}/change/")

    expected = f"{service.name} with Carla Customer on Tue 05 Jan 2027 10:00 (Europe/Berlin)"
    (row,) = listed.context["cl"].result_list
    assert [clash["message"] for clash in row.clashes] == [expected]
    assert expected in listed.content.decode()
    assert expected in shown.content.decode()


def test_the_leave_preview_lists_the_staff_members_appointments(staff, service, customer):
    appointment_id = book(customer, service, TUESDAY_FOUR)
    body = {"type": "VACATION", "start_date": "2027-01-05", "end_date": "2027-01-05"}

    whole_day = bearer_client(staff).post(f"{REQUESTS}preview/", body).json()["clashes"]["elsewhere"]
    morning = bearer_client(staff).post(f"{REQUESTS}preview/", {**body, "end_half": "morning"})

    assert [(c["kind"], c["id"], c["start_utc"], c["end_utc"]) for c in whole_day] == [
        ("appointment", appointment_id, "2027-01-05T15:00:00Z", "2027-01-05T16:00:00Z")
    ]
    assert morning.json()["clashes"]["elsewhere"] == []  # the appointment is in the afternoon
    assert not LeaveRequest.objects.exists()


def test_the_leave_console_reads_clashes_in_the_same_queries_for_more_rows(clock, leave_types):
    console = Client()
    console.force_login(AdminFactory())

    def staff_on_leave_over_an_appointment(day: int):
        member = scheduled_berlin_staff()
        service = ServiceFactory(staff=[member])
        AppointmentFactory(staff=member, service=service, start_utc=datetime(2027, 1, day, 9, tzinfo=UTC))
        LeaveRequestFactory(user=member, start_date=date(2027, 1, day), end_date=date(2027, 1, day))

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = console.get(LEAVE_CONSOLE)
        assert response.status_code == 200
        assert all(len(row.clashes) == 1 for row in response.context["cl"].result_list)
        return len(queries)

    staff_on_leave_over_an_appointment(4)
    few = count()
    for day in (5, 6, 7, 8):
        staff_on_leave_over_an_appointment(day)

    assert count() == few
