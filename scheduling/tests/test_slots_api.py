"""The slot list over HTTP: working hours in the staff member's zone across DST, holidays,
approved leave (half days too), overrides, the work-pattern fallback, notice, horizon, buffers."""

from datetime import UTC, date, datetime, timedelta

import pytest

from accounts.tests.factories import StaffFactory, UserFactory
from config.testing import bearer_client
from leave.models import EndHalf, RequestStatus, StartHalf
from leave.tests.factories import HolidayFactory, LeaveRequestFactory, WorkPatternFactory
from scheduling.tests.factories import (
    AppointmentFactory,
    OverrideFactory,
    ScheduleFactory,
    ServiceFactory,
    berlin_staff,
    scheduled_berlin_staff,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/slots/"


def slots(client, service, start, end, **params):
    response = client.get(URL, {"service": str(service.uuid), "from": start, "to": end, **params})
    assert response.status_code == 200, response.content
    return response.json()


def starts(body, day: str) -> list[str]:
    return [slot["start"][11:16] for slot in body["slots"].get(day, [])]


@pytest.fixture
def berlin(clock):
    return scheduled_berlin_staff()


@pytest.fixture
def service(berlin):
    return ServiceFactory(staff=[berlin])


@pytest.fixture
def customer():
    return bearer_client(UserFactory(timezone="Europe/Berlin"))


def test_first_slot_is_nine_local_on_both_sides_of_both_dst_changes_and_easter_holidays_have_none(
    berlin, service, customer
):
    spring = slots(customer, service, "2027-03-25", "2027-03-31")
    autumn = slots(customer, service, "2027-10-29", "2027-11-02")

    assert list(spring["slots"]) == ["2027-03-25", "2027-03-30"]  # Good Friday, weekend, Easter Monday: none
    assert spring["slots"]["2027-03-25"][0]["start"] == "2027-03-25T09:00:00+01:00"
    assert spring["slots"]["2027-03-30"][0]["start"] == "2027-03-30T09:00:00+02:00"
    assert list(autumn["slots"]) == ["2027-10-29", "2027-11-01"]
    assert autumn["slots"]["2027-10-29"][0]["start"] == "2027-10-29T09:00:00+02:00"
    assert autumn["slots"]["2027-11-01"][0]["start"] == "2027-11-01T09:00:00+01:00"
    last = spring["slots"]["2027-03-30"][-1]
    assert (last["start"], last["end"]) == ("2027-03-30T16:00:00+02:00", "2027-03-30T17:00:00+02:00")
    assert last["staff"] == [str(berlin.uuid)]
    assert spring["timezone"] == "Europe/Berlin" and spring["service"] == str(service.uuid)


def test_the_same_slots_in_another_zone_show_its_offset_and_its_dates(service, customer):
    body = slots(customer, service, "2027-03-30", "2027-03-31", timezone="America/New_York")

    # 09:00 Berlin (+02:00) is 03:00 in New York (-04:00) the same day.
    assert body["slots"]["2027-03-30"][0]["start"] == "2027-03-30T03:00:00-04:00"
    utc = slots(customer, service, "2027-03-25T00:00:00Z", "2027-03-26T00:00:00Z", timezone="UTC")
    assert utc["slots"]["2027-03-25"][0]["start"] == "2027-03-25T08:00:00+00:00"


def test_the_requesters_zone_is_the_default(service):
    tokyo = bearer_client(UserFactory(timezone="Asia/Tokyo"))
    body = slots(tokyo, service, "2027-03-30", "2027-03-31")

    assert body["timezone"] == "Asia/Tokyo"
    assert body["slots"]["2027-03-30"][0]["start"] == "2027-03-30T16:00:00+09:00"


def test_approved_leave_and_public_and_company_holidays_remove_their_days(berlin, service, customer, leave_types):
    LeaveRequestFactory(
        user=berlin, start_date=date(2027, 1, 5), end_date=date(2027, 1, 5), status=RequestStatus.APPROVED
    )
    LeaveRequestFactory(user=berlin, start_date=date(2027, 1, 14), end_date=date(2027, 1, 14))  # pending: no effect
    HolidayFactory(date=date(2027, 1, 6), name="Company day")

    body = slots(customer, service, "2027-01-01", "2027-01-16")

    # New Year (public), 5 Jan (leave), 6 Jan (company holiday) and the weekends have no slots.
    assert sorted(body["slots"]) == ["2027-01-04", "2027-01-07", "2027-01-08", "2027-01-11", "2027-01-12",
                                     "2027-01-13", "2027-01-14", "2027-01-15"]  # fmt: skip


def test_half_day_leave_removes_half_the_working_day(berlin, service, customer, leave_types):
    LeaveRequestFactory(
        user=berlin,
        start_date=date(2027, 1, 7),
        end_date=date(2027, 1, 8),
        start_half=StartHalf.AFTERNOON,
        end_half=EndHalf.MORNING,
        days=1,
        status=RequestStatus.APPROVED,
    )

    body = slots(customer, service, "2027-01-07", "2027-01-09")

    # 09:00–17:00 splits at 13:00: Thursday keeps its morning, Friday its afternoon.
    assert starts(body, "2027-01-07")[0] == "09:00" and starts(body, "2027-01-07")[-1] == "12:00"
    assert starts(body, "2027-01-08")[0] == "13:00" and starts(body, "2027-01-08")[-1] == "16:00"


def test_a_half_day_company_holiday_takes_the_afternoon(service, customer):
    HolidayFactory(date=date(2027, 1, 7), name="Half day", half_day=True)

    body = slots(customer, service, "2027-01-07", "2027-01-08")

    assert starts(body, "2027-01-07")[-1] == "12:00"


def test_overrides_replace_the_days_hours_and_an_empty_one_is_a_day_off(berlin, service, customer):
    OverrideFactory(staff=berlin, date=date(2027, 1, 11), intervals=[])
    OverrideFactory(staff=berlin, date=date(2027, 1, 12), intervals=[{"start": "10:00", "end": "12:00"}])
    OverrideFactory(staff=berlin, date=date(2027, 1, 16), intervals=[{"start": "08:00", "end": "09:30"}])

    body = slots(customer, service, "2027-01-11", "2027-01-17")

    assert "2027-01-11" not in body["slots"]
    assert starts(body, "2027-01-12") == ["10:00", "10:15", "10:30", "10:45", "11:00"]
    assert starts(body, "2027-01-16") == ["08:00", "08:15", "08:30"]  # a Saturday made a working day


def test_without_weekly_hours_the_work_pattern_gives_nine_plus_that_days_hours(clock, customer):
    staff = StaffFactory(timezone="Europe/Berlin")
    WorkPatternFactory(user=staff, friday=4)
    service = ServiceFactory(staff=[staff])

    body = slots(customer, service, "2027-01-14", "2027-01-16")

    assert starts(body, "2027-01-14")[0] == "09:00" and starts(body, "2027-01-14")[-1] == "16:00"
    assert starts(body, "2027-01-15")[-1] == "12:00"  # 4 hours on Fridays: 09:00–13:00


def test_minimum_notice_and_horizon_bound_the_slots(berlin, customer):
    service = ServiceFactory(staff=[berlin], min_notice_minutes=60, horizon_days=3)

    body = slots(customer, service, "2026-12-07", "2026-12-14")

    # Now is 10:00 in Berlin: the first slot is an hour later; the horizon ends 10 Dec 10:00.
    assert starts(body, "2026-12-07")[0] == "11:00"
    assert list(body["slots"]) == ["2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10"]
    assert starts(body, "2026-12-10")[-1] == "09:45"


def test_other_appointments_block_with_both_services_buffers(berlin, customer):
    held = ServiceFactory(staff=[berlin], duration_minutes=60, buffer_after_minutes=15)
    AppointmentFactory(staff=berlin, service=held, start_utc=_utc("2027-01-04T10:00:00+01:00"))
    service = ServiceFactory(staff=[berlin], duration_minutes=30, buffer_before_minutes=15)

    body = slots(customer, service, "2027-01-04", "2027-01-05")

    # The held one blocks 10:00–11:15; the new one needs 15 minutes clear before it.
    assert starts(body, "2027-01-04")[:5] == ["09:00", "09:15", "09:30", "11:30", "11:45"]


def test_without_staff_each_slot_lists_everyone_free_then(berlin, customer):
    other = berlin_staff()
    ScheduleFactory(staff=other, weekly=[{"weekday": 1, "start": "12:00", "end": "14:00"}])
    service = ServiceFactory(staff=[berlin, other])

    body = slots(customer, service, "2027-01-04", "2027-01-05")
    by_start = {slot["start"][11:16]: slot["staff"] for slot in body["slots"]["2027-01-04"]}
    only_berlin = slots(customer, service, "2027-01-04", "2027-01-05", staff=str(berlin.uuid))

    assert by_start["09:00"] == [str(berlin.uuid)]
    assert sorted(by_start["12:00"]) == sorted([str(berlin.uuid), str(other.uuid)])
    assert all(slot["staff"] == [str(berlin.uuid)] for slot in only_berlin["slots"]["2027-01-04"])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"from": "2027-01-01", "to": "2027-03-05"}, "to"),  # 63 days
        ({"from": "2027-01-02", "to": "2027-01-01"}, "to"),
        ({"from": "2027-01-01T09:00:00"}, "from"),  # naive
        ({"from": "yesterday"}, "from"),
    ],
)
def test_bad_queries_are_400s_naming_the_field(service, customer, params, field):
    query = {"service": str(service.uuid), "from": "2027-01-01", "to": "2027-01-08", **params}

    response = customer.get(URL, query)

    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_unknown_service_is_404_and_a_staff_member_not_offering_it_is_400(service, customer):
    missing = customer.get(
        URL, {"service": "00000000-0000-0000-0000-000000000000", "from": "2027-01-04", "to": "2027-01-05"}
    )
    outsider = StaffFactory()
    refused = customer.get(
        URL, {"service": str(service.uuid), "from": "2027-01-04", "to": "2027-01-05", "staff": str(outsider.uuid)}
    )

    assert missing.status_code == 404
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "staff_not_offering"


def test_anonymous_is_401(service, api_client):
    assert (
        api_client.get(URL, {"service": str(service.uuid), "from": "2027-01-04", "to": "2027-01-05"}).status_code == 401
    )


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_a_sixty_two_day_window_is_allowed(service, customer):
    start = date(2027, 1, 1)
    body = slots(customer, service, start.isoformat(), (start + timedelta(days=62)).isoformat())

    assert len(body["slots"]) > 30
