"""The calendar feed over HTTP: one secret URL per person, an .ics that joins leave, holidays,
appointments and (on request) time entries, rotation."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from accounts.tests.factories import UserFactory
from audit.models import Action, AuditEvent
from leave.models import RequestStatus
from leave.tests.factories import HolidayFactory, LeaveRequestFactory, ensure_default_leave_types
from scheduling.ics import appointment_uid
from scheduling.tests.factories import AppointmentFactory
from tracking.tests.factories import ProjectFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

FEED = reverse("analytics:calendar-feed")
ROTATE = reverse("analytics:calendar-feed-rotate")


@pytest.fixture
def person(db):
    ensure_default_leave_types()
    return UserFactory(display_name="Cal Endar", timezone="Europe/Berlin", country="DE", subdivision="BE")


@pytest.fixture
def events(person):
    """Within the feed's window: an approved and a pending leave request, a company holiday, an
    appointment the person booked and one they were cancelled out of, and a time entry."""
    today = timezone.localdate()
    approved = LeaveRequestFactory(
        user=person, start_date=today + timedelta(days=10), end_date=today + timedelta(days=11), status="approved"
    )
    pending = LeaveRequestFactory(
        user=person, start_date=today + timedelta(days=20), end_date=today + timedelta(days=20), status="pending"
    )
    LeaveRequestFactory(user=person, start_date=today + timedelta(days=30), status=RequestStatus.REJECTED)
    holiday = HolidayFactory(date=today + timedelta(days=5), name="Founders' day")
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    appointment = AppointmentFactory(customer=person, start_utc=start, end_utc=start + timedelta(hours=1))
    cancelled = AppointmentFactory(
        customer=person,
        start_utc=start + timedelta(hours=3),
        end_utc=start + timedelta(hours=4),
        status="cancelled",
        ics_sequence=2,
    )
    entry = TimeEntryFactory(
        user=person,
        project=ProjectFactory(code="OPS"),
        activity="Deploy",
        start=timezone.now() - timedelta(days=1, hours=2),
        end=timezone.now() - timedelta(days=1, hours=1),
    )
    return {
        "approved": approved,
        "pending": pending,
        "holiday": holiday,
        "appointment": appointment,
        "cancelled": cancelled,
        "entry": entry,
    }


def fetch(api_client, url, **params):
    response = api_client.get(url, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def by_uid(calendar):
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_joins_leave_holidays_and_appointments(client_for, api_client, person, events):
    url = client_for(person).get(FEED).json()["url"]
    assert url.startswith("http://testserver/api/v1/calendar/") and url.endswith(".ics")
    calendar = fetch(api_client, url)
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Berlin"
    found = by_uid(calendar)
    approved = found[f"leave-{events['approved'].uuid}@timekeep"]
    assert str(approved["STATUS"]) == "CONFIRMED"
    assert approved.decoded("DTSTART") == events["approved"].start_date
    assert approved.decoded("DTEND") == events["approved"].end_date + timedelta(days=1)  # exclusive
    pending = found[f"leave-{events['pending'].uuid}@timekeep"]
    assert str(pending["STATUS"]) == "TENTATIVE" and "(pending)" in str(pending["SUMMARY"])
    holiday = found[f"holiday-{events['holiday'].uuid}@timekeep"]
    assert str(holiday["SUMMARY"]) == "Founders' day" and holiday.decoded("DTSTART") == events["holiday"].date
    assert any(uid.startswith("holiday-DE-BE-") for uid in found)  # Berlin's public holidays
    appointment = found[appointment_uid(events["appointment"])]
    assert appointment.decoded("DTSTART") == events["appointment"].start_utc
    assert str(appointment["STATUS"]) == "CONFIRMED"
    cancelled = found[appointment_uid(events["cancelled"])]
    assert str(cancelled["STATUS"]) == "CANCELLED" and cancelled["SEQUENCE"] == 2
    assert not [uid for uid in found if uid.startswith("time-entry-")]  # only on request
    assert len([uid for uid in found if uid.startswith("leave-")]) == 2  # the rejected one is not there


def test_time_entries_come_with_the_flag_and_uids_stay_the_same(client_for, api_client, person, events):
    url = client_for(person).get(FEED).json()["url"]
    first = by_uid(fetch(api_client, url, entries="true"))
    entry = first[f"time-entry-{events['entry'].uuid}@timekeep"]
    assert str(entry["SUMMARY"]) == "OPS: Deploy"
    assert entry.decoded("DTSTART") == events["entry"].start.replace(microsecond=0)
    again = by_uid(fetch(api_client, url, entries="true"))
    assert set(again) == set(first)
    assert api_client.get(url, {"entries": "perhaps"}).status_code == 400


def test_the_address_is_made_once_and_rotating_it_retires_the_old_one(client_for, api_client, person, events):
    client = client_for(person)
    url = client.get(FEED).json()["url"]
    assert client.get(FEED).json()["url"] == url
    assert AuditEvent.objects.filter(action=Action.CALENDAR_FEED_CREATE, actor=person).count() == 1
    rotated = client.post(ROTATE).json()["url"]
    assert rotated != url
    assert AuditEvent.objects.filter(action=Action.CALENDAR_FEED_ROTATE, actor=person).count() == 1
    old = api_client.get(url)
    assert old.status_code == 404 and old.json()["error"]["code"] == "not_found"
    assert fetch(api_client, rotated)
    assert client.get(FEED).json()["url"] == rotated


def test_the_feed_works_without_the_trailing_slash_and_needs_no_other_credential(client_for, api_client, person):
    url = client_for(person).get(FEED).json()["url"]
    path = url.removeprefix("http://testserver")
    assert not path.endswith("/")
    assert api_client.get(path).status_code == 200


def test_unknown_tokens_and_closed_accounts_are_404(client_for, api_client, person):
    assert api_client.get("/api/v1/calendar/" + "x" * 43 + ".ics").status_code == 404
    url = client_for(person).get(FEED).json()["url"]
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert api_client.get(url).status_code == 404


def test_each_person_sees_only_their_own_events(client_for, api_client, person, events):
    other = UserFactory()
    found = by_uid(fetch(api_client, client_for(other).get(FEED).json()["url"], entries="true"))
    assert not [uid for uid in found if uid.startswith(("leave-", "time-entry-"))]
    assert appointment_uid(events["appointment"]) not in found


def test_the_address_needs_a_signed_in_person(api_client):
    assert api_client.get(FEED).status_code == 401
    assert api_client.post(ROTATE).status_code == 401


def test_the_feed_costs_the_same_queries_for_few_or_many_events(client_for, api_client, person):
    url = client_for(person).get(FEED).json()["url"]
    today = timezone.localdate()
    counts = []
    for made in (2, 20):
        have = LeaveRequestFactory._meta.model.objects.filter(user=person).count()
        for index in range(have, made):
            day = today + timedelta(days=2 + index)
            LeaveRequestFactory(user=person, start_date=day, end_date=day, status="approved")
            HolidayFactory(date=day, name=f"Day {index}")
            start = timezone.now() + timedelta(days=2 + index)
            AppointmentFactory(customer=person, start_utc=start, end_utc=start + timedelta(hours=1))
            TimeEntryFactory(user=person, start=start - timedelta(days=30), end=start - timedelta(days=30, minutes=-10))
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            assert api_client.get(url, {"entries": "true"}).status_code == 200
        counts.append(len(queries))
    # The feed (1), leave, company holidays, appointments, entries (4).
    assert counts == [5, 5]
