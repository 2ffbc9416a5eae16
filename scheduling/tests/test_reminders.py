"""Reminders: each is sent once per appointment and start time, whether the job runs twice or
twice at once; the e-mail's .ics parses, keeps its UID, has DTSTART in UTC and a raised SEQUENCE
after a reschedule."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from icalendar import Calendar

from accounts.models import Notification, UserSettings
from accounts.tests.factories import UserFactory
from config.testing import bearer_client, race
from scheduling.models import AppointmentReminder
from scheduling.services.reminders import appointment_reminders_send
from scheduling.tasks import send_appointment_reminders_task
from scheduling.tests.factories import (
    AppointmentFactory,
    ServiceFactory,
    berlin_staff,
    scheduled_berlin_staff,
)

TOMORROW_NINE = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)  # the clock says 2026-12-07 09:00Z


def reminders(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind="appointment.reminder").order_by("created_at", "pk"))


@pytest.fixture
def appointment(clock, settings):
    settings.APPOINTMENT_REMINDERS = [1440, 60]
    staff = scheduled_berlin_staff()
    service = ServiceFactory(staff=[staff], min_notice_minutes=0)
    customer = UserFactory(timezone="Europe/Berlin")
    UserSettings.objects.create(user=customer, notification_preferences={"email": True})
    return AppointmentFactory(customer=customer, staff=staff, service=service, start_utc=TOMORROW_NINE)


@pytest.mark.django_db
def test_each_reminder_is_sent_once_however_often_the_job_runs(appointment, clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = appointment_reminders_send()
        again = appointment_reminders_send()
        call_command("send_appointment_reminders")
        send_appointment_reminders_task.delay()
    clock.set(2026, 12, 8, 8, 5)
    with django_capture_on_commit_callbacks(execute=True):
        hour_before = appointment_reminders_send()
        hour_again = appointment_reminders_send()

    assert (first, again, hour_before, hour_again) == (1, 0, 1, 0)
    sent = reminders(appointment.customer)
    assert [n.payload["minutes_before"] for n in sent] == [1440, 60]
    assert "Tue 08 Dec 2026 10:00 (Europe/Berlin)" in sent[0].message
    assert len(mail.outbox) == 2
    assert not Notification.objects.filter(user=appointment.staff, kind="appointment.reminder").exists()


@pytest.mark.django_db
def test_only_the_latest_due_reminder_goes_out_when_several_are_due(appointment, clock):
    clock.set(2026, 12, 8, 8, 30)

    assert appointment_reminders_send() == 1

    assert [n.payload["minutes_before"] for n in reminders(appointment.customer)] == [60]
    rows = dict(AppointmentReminder.objects.values_list("minutes_before", "sent"))
    assert rows == {60: True, 1440: False}
    assert appointment_reminders_send() == 0


@pytest.mark.django_db
def test_cancelled_requested_and_past_appointments_get_no_reminder(appointment, clock):
    AppointmentFactory(customer=appointment.customer, start_utc=TOMORROW_NINE, status="cancelled")
    AppointmentFactory(customer=appointment.customer, start_utc=TOMORROW_NINE, status="requested")
    AppointmentFactory(customer=appointment.customer, start_utc=TOMORROW_NINE - timedelta(days=2))
    AppointmentFactory(customer=appointment.customer, start_utc=TOMORROW_NINE + timedelta(days=3))

    assert appointment_reminders_send() == 1
    assert len(reminders(appointment.customer)) == 1


@pytest.mark.django_db
def test_the_ics_parses_with_its_uid_a_utc_start_and_a_raised_sequence_after_a_reschedule(
    appointment, clock, django_capture_on_commit_callbacks
):
    customer, url = bearer_client(appointment.customer), f"/api/v1/appointments/{appointment.uuid}/"
    for start in ("2026-12-08T09:30:00+01:00", "2026-12-08T09:45:00+01:00"):
        moved = customer.patch(url, {"start_utc": start})
        assert moved.status_code == 200, moved.content

    with django_capture_on_commit_callbacks(execute=True):
        assert appointment_reminders_send() == 1

    name, content, mimetype = mail.outbox[-1].attachments[0]
    calendar = Calendar.from_ical(content)
    event = calendar.walk("VEVENT")[0]
    assert (name, mimetype) == ("appointment.ics", "text/calendar; method=REQUEST; charset=utf-8")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"{appointment.uuid}@appointments.timekeep"
    assert event.decoded("DTSTART") == datetime(2026, 12, 8, 8, 45, tzinfo=UTC)
    assert event["DTSTART"].to_ical() == b"20261208T084500Z"
    assert event["SEQUENCE"] == 2
    assert "DTSTAMP" in event and "ORGANIZER" in event


@pytest.mark.django_db
def test_a_reschedule_makes_the_new_times_reminders_due_again(appointment, clock):
    assert appointment_reminders_send() == 1
    response = bearer_client(appointment.customer).patch(
        f"/api/v1/appointments/{appointment.uuid}/", {"start_utc": "2026-12-08T09:30:00+01:00"}
    )
    assert response.status_code == 200

    assert appointment_reminders_send() == 1
    assert AppointmentReminder.objects.filter(appointment=appointment).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_reminder_once(clock, settings):
    settings.APPOINTMENT_REMINDERS = [1440, 60]
    staff = berlin_staff()
    service = ServiceFactory(staff=[staff])
    customers = UserFactory.create_batch(5)
    for index, customer in enumerate(customers):
        AppointmentFactory(
            customer=customer, staff=staff, service=service, start_utc=TOMORROW_NINE + timedelta(hours=index)
        )
    clock.set(2026, 12, 8, 8, 30)  # the first is an hour away; all five have their 24 h reminder due

    results = race(
        [
            lambda: send_appointment_reminders_task.apply().get(),
            lambda: send_appointment_reminders_task.apply().get(),
            lambda: call_command("send_appointment_reminders", stdout=StringIO()),
        ]
    )

    assert sum(result or 0 for result in results[:2]) <= 5
    for customer in customers:
        assert len(reminders(customer)) == 1
    assert AppointmentReminder.objects.filter(sent=True).count() == 5
