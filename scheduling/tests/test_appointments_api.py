"""Appointments over HTTP: C3PO's tour with its roles, who sees what, the commands, reschedules
through the same checks as booking, notifications with .ics, and the audit rule."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from icalendar import Calendar
from rest_framework.test import APIClient

from accounts.models import Notification, UserSettings
from accounts.tests.factories import PASSWORD, AdminFactory, StaffFactory, UserFactory
from audit.models import Action, AuditEvent
from config.testing import bearer_client
from scheduling.models import Appointment, AppointmentStatus
from scheduling.tests.factories import (
    AppointmentFactory,
    ServiceFactory,
    berlin_staff,
    scheduled_berlin_staff,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/appointments/"
NINE_BERLIN = "2027-01-04T09:00:00+01:00"  # a Monday


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.fixture
def staff(clock):
    return scheduled_berlin_staff()


@pytest.fixture
def service(staff):
    return ServiceFactory(staff=[staff])


def book(client, service, start=NINE_BERLIN, **extra):
    return client.post(URL, {"service": str(service.uuid), "start_utc": start, **extra})


def wants_email(user):
    UserSettings.objects.update_or_create(user=user, defaults={"notification_preferences": {"email": True}})


def test_the_c3po_tour_register_login_slots_book_list_get_reschedule_cancel(staff, service):
    client = APIClient()
    account = {"email": "ana@example.com", "password": "a-Long-pass-91", "timezone": "Europe/Berlin"}
    registered = client.post("/api/v1/auth/register/", account)
    assert registered.status_code == 201, registered.content
    login = client.post(
        "/api/v1/auth/login/",
        "grant_type=password&username=ana@example.com&password=a-Long-pass-91",
        content_type="application/x-www-form-urlencoded",
    )
    assert login.status_code == 200, login.content
    ana = APIClient()
    ana.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access_token']}")

    listed = ana.get("/api/v1/slots/", {"service": str(service.uuid), "from": "2027-01-04", "to": "2027-01-05"})
    first = listed.json()["slots"]["2027-01-04"][0]
    booked = book(ana, service, first["start"])
    appointment_id = booked.json()["id"]
    mine = ana.get(URL)
    fetched = ana.get(f"{URL}{appointment_id}/")
    moved = ana.patch(f"{URL}{appointment_id}/", {"start_utc": "2027-01-04T11:00:00+01:00"})
    cancelled = ana.delete(f"{URL}{appointment_id}/")

    assert booked.status_code == 201, booked.content
    assert booked.json()["start_utc"] == "2027-01-04T08:00:00Z" and booked.json()["status"] == "confirmed"
    assert [row["id"] for row in mine.json()["results"]] == [appointment_id]
    assert fetched.json()["staff"] == str(staff.uuid) and fetched.json()["service"] == str(service.uuid)
    assert moved.status_code == 200 and moved.json()["start_utc"] == "2027-01-04T10:00:00Z"
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert Appointment.objects.get(uuid=appointment_id).status == AppointmentStatus.CANCELLED  # the row stays


def test_users_see_their_own_staff_theirs_and_admins_all(staff, service):
    ana, ben = UserFactory(), UserFactory()
    other_staff = berlin_staff()
    mine = AppointmentFactory(customer=ana, staff=staff, service=service)
    bens = AppointmentFactory(customer=ben, staff=staff, service=service)
    elsewhere = AppointmentFactory(customer=ben, staff=other_staff)
    booked_by_staff = AppointmentFactory(customer=staff, staff=other_staff)

    def ids(user):
        return {row["id"] for row in bearer_client(user).get(URL).json()["results"]}

    assert ids(ana) == {str(mine.uuid)}
    assert ids(staff) == {str(mine.uuid), str(bens.uuid), str(booked_by_staff.uuid)}
    assert ids(AdminFactory()) == {str(a.uuid) for a in (mine, bens, elsewhere, booked_by_staff)}


@pytest.mark.parametrize(
    ("who", "expected"),
    [("customer", 200), ("staff", 200), ("admin", 200), ("other_user", 404), ("other_staff", 404), ("anonymous", 401)],
)
def test_permission_matrix_for_one_appointment(staff, service, who, expected):
    appointment = AppointmentFactory(staff=staff, service=service)
    users = {
        "customer": appointment.customer,
        "staff": staff,
        "admin": AdminFactory(),
        "other_user": UserFactory(),
        "other_staff": StaffFactory(),
    }
    client = APIClient() if who == "anonymous" else bearer_client(users[who])

    response = client.get(f"{URL}{appointment.uuid}/")

    assert response.status_code == expected
    if expected == 200:
        body = response.json()
        assert set(body) == {
            "id", "customer", "customer_name", "customer_email", "staff", "staff_name", "service", "service_name",
            "start_utc", "end_utc", "status", "location", "customer_notes", "staff_notes", "cancel_reason",
            "created_at", "updated_at",
        }  # fmt: skip
        assert body["customer"] == str(appointment.customer.uuid)


def test_another_customers_appointment_cannot_be_changed_or_cancelled(staff, service):
    appointment = AppointmentFactory(staff=staff, service=service)
    stranger = bearer_client(UserFactory())

    assert stranger.patch(f"{URL}{appointment.uuid}/", {"customer_notes": "x"}).status_code == 404
    assert stranger.delete(f"{URL}{appointment.uuid}/").status_code == 404
    assert stranger.post(f"{URL}{appointment.uuid}/cancel/").status_code == 404
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.CONFIRMED


def test_booking_notifies_the_staff_member_with_an_ics(staff, service, django_capture_on_commit_callbacks):
    wants_email(staff)
    customer = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = book(bearer_client(customer), service)

    assert response.status_code == 201
    notice = Notification.objects.get(user=staff)
    assert notice.kind == "appointment.booked" and notice.payload["appointment"] == response.json()["id"]
    (email,) = mail.outbox
    name, content, mimetype = email.attachments[0]
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert name == "appointment.ics" and mimetype.startswith("text/calendar")
    assert str(event["UID"]) == f"{response.json()['id']}@appointments.timekeep"
    assert event.decoded("DTSTART") == at(NINE_BERLIN)


def test_without_staff_the_first_free_staff_member_is_assigned(staff, service):
    second = scheduled_berlin_staff()
    service.staff.add(second)
    AppointmentFactory(staff=staff, service=service, start_utc=at(NINE_BERLIN))

    response = book(bearer_client(UserFactory()), service)

    assert response.status_code == 201 and response.json()["staff"] == str(second.uuid)


def test_a_service_that_needs_confirmation_books_requested_and_the_staff_confirms(staff):
    service = ServiceFactory(staff=[staff], requires_confirmation=True)
    customer = UserFactory()
    booked = book(bearer_client(customer), service)
    appointment_id = booked.json()["id"]

    by_customer = bearer_client(customer).post(f"{URL}{appointment_id}/confirm/")
    confirmed = bearer_client(staff).post(f"{URL}{appointment_id}/confirm/")
    again = bearer_client(staff).post(f"{URL}{appointment_id}/confirm/")

    assert booked.json()["status"] == "requested"
    assert by_customer.status_code == 403
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    assert again.status_code == 409 and again.json()["error"]["code"] == "wrong_status"
    assert Notification.objects.filter(user=customer, kind="appointment.confirmed").count() == 1


@pytest.mark.parametrize(
    ("start", "code"),
    [
        ("2026-12-07T09:30:00Z", "too_soon"),  # the clock says 09:00Z; notice is 60 minutes
        ("2028-01-03T09:00:00+01:00", "beyond_horizon"),
        ("2027-01-04T07:00:00+01:00", "outside_availability"),
        ("2027-01-04T09:05:00+01:00", "outside_availability"),  # between two slot starts
        ("2027-01-01T09:00:00+01:00", "holiday"),  # New Year
    ],
)
def test_a_start_the_list_does_not_offer_is_refused_naming_the_rule(service, start, code):
    response = book(bearer_client(UserFactory()), service, start)

    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert error["code"] == code and error["slot"]["start"]
    assert not Appointment.objects.exists()


def test_a_taken_slot_is_a_409_naming_the_slot(staff, service):
    book(bearer_client(UserFactory()), service)

    response = book(bearer_client(UserFactory()), service, staff=str(staff.uuid))

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "slot_taken"
    assert error["slot"] == {"start": "2027-01-04T08:00:00Z", "end": "2027-01-04T09:00:00Z", "staff": str(staff.uuid)}
    assert "2027-01-04T08:00:00Z" in error["message"]


def test_bad_bookings_are_400s(staff, service):
    client = bearer_client(UserFactory())
    inactive = ServiceFactory(staff=[staff], active=False)

    assert book(client, service, "2027-01-04T09:00:00").status_code == 400  # naive
    assert book(client, inactive).status_code == 400
    assert book(client, service, staff=str(StaffFactory().uuid)).json()["error"]["code"] == "staff_not_offering"
    with_yourself = book(bearer_client(staff), service, staff=str(staff.uuid))
    assert with_yourself.status_code == 400


def test_reschedule_runs_the_booking_checks_raises_the_sequence_and_tells_the_other_party(staff, service):
    customer = UserFactory()
    client = bearer_client(customer)
    appointment_id = book(client, service).json()["id"]
    AppointmentFactory(staff=staff, service=service, start_utc=at("2027-01-04T13:00:00+01:00"))

    taken = client.patch(f"{URL}{appointment_id}/", {"start_utc": "2027-01-04T13:00:00+01:00"})
    too_soon = client.patch(f"{URL}{appointment_id}/", {"start_utc": "2026-12-07T09:15:00Z"})
    moved = client.patch(f"{URL}{appointment_id}/", {"start_utc": "2027-01-04T09:30:00+01:00"})
    overlapping_itself = client.patch(f"{URL}{appointment_id}/", {"start_utc": "2027-01-04T09:45:00+01:00"})

    assert taken.status_code == 409 and taken.json()["error"]["code"] == "slot_taken"
    assert too_soon.json()["error"]["code"] == "too_soon"
    assert moved.status_code == 200 and moved.json()["start_utc"] == "2027-01-04T08:30:00Z"
    assert overlapping_itself.status_code == 200  # its own old time does not block it
    appointment = Appointment.objects.get(uuid=appointment_id)
    assert appointment.ics_sequence == 2
    assert Notification.objects.filter(user=staff, kind="appointment.rescheduled").count() == 2
    assert not AuditEvent.objects.filter(action=Action.APPOINTMENT_RESCHEDULE).exists()  # the customer's own


def test_staff_moving_a_booking_to_a_colleague_is_audited_and_everyone_hears(staff, service):
    colleague = scheduled_berlin_staff()
    service.staff.add(colleague)
    customer = UserFactory()
    appointment_id = book(bearer_client(customer), service).json()["id"]

    moved = bearer_client(staff).patch(f"{URL}{appointment_id}/", {"staff": str(colleague.uuid)})

    assert moved.status_code == 200 and moved.json()["staff"] == str(colleague.uuid)
    assert Notification.objects.filter(user=customer, kind="appointment.rescheduled").exists()
    assert Notification.objects.filter(user=colleague, kind="appointment.rescheduled").exists()
    event = AuditEvent.objects.get(action=Action.APPOINTMENT_RESCHEDULE)
    assert event.actor == staff and event.changes["staff"] == [staff.email, colleague.email]


def test_notes_belong_to_their_side(staff, service):
    appointment = AppointmentFactory(staff=staff, service=service)
    customer, staff_client = bearer_client(appointment.customer), bearer_client(staff)
    url = f"{URL}{appointment.uuid}/"

    assert customer.patch(url, {"customer_notes": "Bring the forms"}).json()["customer_notes"] == "Bring the forms"
    assert customer.patch(url, {"staff_notes": "x"}).status_code == 403
    assert staff_client.patch(url, {"customer_notes": "x"}).status_code == 403
    assert staff_client.patch(url, {"staff_notes": "Room 2"}).json()["staff_notes"] == "Room 2"
    admin = AdminFactory()
    bearer_client(admin).patch(url, {"staff_notes": "Room 3"})
    event = AuditEvent.objects.get(action=Action.APPOINTMENT_UPDATE)
    assert event.actor == admin and event.changes["staff_notes"] == ["Room 2", "Room 3"]


def test_staff_cancelling_is_audited_and_the_customer_gets_a_cancel_ics(
    staff, service, django_capture_on_commit_callbacks
):
    customer = UserFactory()
    wants_email(customer)
    appointment_id = book(bearer_client(customer), service).json()["id"]

    with django_capture_on_commit_callbacks(execute=True):
        response = bearer_client(staff).post(f"{URL}{appointment_id}/cancel/", {"reason": "Ill"})

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled" and response.json()["cancel_reason"] == "Ill"
    event = AuditEvent.objects.get(action=Action.APPOINTMENT_CANCEL)
    assert event.actor == staff and event.changes["status"] == ["confirmed", "cancelled"]
    calendar = Calendar.from_ical(mail.outbox[-1].attachments[0][1])
    assert str(calendar["METHOD"]) == "CANCEL"
    assert calendar.walk("VEVENT")[0]["SEQUENCE"] == 1
    again = bearer_client(customer).delete(f"{URL}{appointment_id}/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "not_active"


def test_the_customer_cannot_cancel_after_the_start_but_the_staff_member_can(clock, staff, service):
    appointment = AppointmentFactory(staff=staff, service=service, start_utc=at("2026-12-07T08:30:00Z"))

    late = bearer_client(appointment.customer).delete(f"{URL}{appointment.uuid}/")
    by_staff = bearer_client(staff).delete(f"{URL}{appointment.uuid}/")

    assert late.status_code == 409 and late.json()["error"]["code"] == "already_started"
    assert by_staff.status_code == 200


def test_complete_and_no_show_are_the_staff_members_after_the_start(clock, staff, service):
    future = AppointmentFactory(staff=staff, service=service, start_utc=at("2026-12-08T09:00:00Z"))
    past = AppointmentFactory(staff=staff, service=service, start_utc=at("2026-12-07T08:00:00Z"))
    other_past = AppointmentFactory(staff=staff, service=service, start_utc=at("2026-12-07T06:00:00Z"))
    staff_client = bearer_client(staff)

    early = staff_client.post(f"{URL}{future.uuid}/complete/")
    by_customer = bearer_client(past.customer).post(f"{URL}{past.uuid}/complete/")
    completed = staff_client.post(f"{URL}{past.uuid}/complete/")
    no_show = staff_client.post(f"{URL}{other_past.uuid}/no-show/")

    assert early.status_code == 409 and early.json()["error"]["code"] == "not_started"
    assert by_customer.status_code == 403
    assert completed.json()["status"] == "completed"
    assert no_show.json()["status"] == "no_show"


def test_list_filters_by_window_status_staff_and_service(staff, service):
    other_service = ServiceFactory(staff=[staff])
    a = AppointmentFactory(staff=staff, service=service, start_utc=at("2027-01-04T09:00:00Z"))
    b = AppointmentFactory(staff=staff, service=other_service, start_utc=at("2027-01-05T09:00:00Z"))
    c = AppointmentFactory(staff=staff, service=service, start_utc=at("2027-01-06T09:00:00Z"), status="cancelled")
    client = bearer_client(staff)

    def ids(**query):
        response = client.get(URL, query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [str(a.uuid), str(b.uuid), str(c.uuid)]
    assert ids(**{"from": "2027-01-04T12:00:00Z", "to": "2027-01-06T00:00:00Z"}) == [str(b.uuid)]
    assert ids(status="cancelled") == [str(c.uuid)]
    assert ids(service=str(other_service.uuid)) == [str(b.uuid)]
    assert ids(staff=str(staff.uuid)) == [str(a.uuid), str(b.uuid), str(c.uuid)]
    assert client.get(URL, {"status": "lost"}).status_code == 400
    assert client.get(URL, {"from": "2027-01-05T00:00:00Z", "to": "2027-01-04T00:00:00Z"}).status_code == 400


def test_login_password_of_factories_still_works(staff):
    response = APIClient().post("/api/v1/auth/login/json/", {"email": staff.email, "password": PASSWORD})

    assert response.status_code == 200


def test_appointment_after_the_working_day_is_refused_even_if_it_starts_inside(staff):
    service = ServiceFactory(staff=[staff], duration_minutes=90)

    response = book(bearer_client(UserFactory()), service, "2027-01-04T16:00:00+01:00")

    assert response.status_code == 409 and response.json()["error"]["code"] == "outside_availability"
    assert (at("2027-01-04T16:00:00+01:00") + timedelta(minutes=90)).hour == 16
