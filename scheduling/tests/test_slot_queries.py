"""The slot list costs a fixed number of queries, however many appointments, days or staff
members it looks at (config/tests/test_query_counts.py covers the list routes; the slot list is
a report keyed by date, so it is counted here)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from config.testing import bearer_client
from scheduling.models import Appointment
from scheduling.tests.factories import ScheduleFactory, ServiceFactory, berlin_staff, scheduled_berlin_staff

pytestmark = pytest.mark.django_db
# The service, who offers it, then the availability function's five reads: schedules, overrides,
# company holidays, approved leave, appointments. (The requester is cached after the first call.)
SLOT_QUERIES = 7
# With `staff`: the staff member and whether they offer the service instead of who offers it.
SLOT_QUERIES_ONE_STAFF = 8


def _appointments(staff, service, count: int) -> None:
    """`count` half-hour appointments on the weekdays of January 2027, ten a day from 09:00 Berlin."""
    rows, day = [], date(2027, 1, 4)
    while len(rows) < count:
        if day.weekday() < 5:
            for slot in range(min(10, count - len(rows))):
                start = datetime(day.year, day.month, day.day, 8, tzinfo=UTC) + timedelta(minutes=45 * slot)
                end = start + timedelta(minutes=30)
                rows.append(
                    Appointment(
                        customer=UserFactory(),
                        staff=staff,
                        service=service,
                        start_utc=start,
                        end_utc=end,
                        blocked_from=start,
                        blocked_until=end,
                    )
                )
        day += timedelta(days=1)
    Appointment.objects.bulk_create(rows)


def _count(client, service, staff=None) -> tuple[int, dict]:
    query = {"service": str(service.uuid), "from": "2027-01-01", "to": "2027-02-01"}
    if staff is not None:
        query["staff"] = str(staff.uuid)
    client.get("/api/v1/auth/me/")  # a client's next request: its user may be cached
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/slots/", query)
    assert response.status_code == 200, response.content
    return len(queries), response.json()


@pytest.mark.parametrize("by_staff", [False, True], ids=["service", "one_staff_member"])
def test_a_month_of_slots_costs_the_same_queries_with_2_or_200_appointments(clock, by_staff):
    staff = scheduled_berlin_staff()
    service = ServiceFactory(staff=[staff], duration_minutes=30)
    client = bearer_client(UserFactory(timezone="Europe/Berlin"))

    _appointments(staff, service, 2)
    few, few_body = _count(client, service, staff if by_staff else None)
    Appointment.objects.all().delete()
    _appointments(staff, service, 200)
    many, many_body = _count(client, service, staff if by_staff else None)

    assert few == many, f"{few} queries with 2 appointments, {many} with 200"
    assert many == (SLOT_QUERIES_ONE_STAFF if by_staff else SLOT_QUERIES)
    assert sum(map(len, many_body["slots"].values())) < sum(map(len, few_body["slots"].values()))


def test_more_staff_members_cost_no_more_queries(clock):
    members = [berlin_staff() for _ in range(5)]
    for member in members:
        ScheduleFactory(staff=member)
    one = ServiceFactory(staff=members[:1])
    five = ServiceFactory(staff=members)
    client = bearer_client(UserFactory())

    assert _count(client, one)[0] == _count(client, five)[0]
