"""Property-style, over HTTP: for random services (durations, buffers, steps, notice, horizon),
random weekly hours, overrides, leave and existing appointments, and random windows —
every offered slot books, a booked slot is no longer offered, and a start the list does not
offer is refused. A seeded RNG makes each case reproducible (the seed is in the test id)."""

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.tests.factories import UserFactory
from config.testing import bearer_client
from leave.models import EndHalf, RequestStatus, StartHalf
from leave.tests.factories import LeaveRequestFactory
from scheduling.models import Appointment
from scheduling.tests.factories import (
    AppointmentFactory,
    OverrideFactory,
    ScheduleFactory,
    ServiceFactory,
    berlin_staff,
)

pytestmark = pytest.mark.django_db
SLOTS, BOOK = "/api/v1/slots/", "/api/v1/appointments/"
TODAY = date(2026, 12, 7)  # the clock fixture's date
BERLIN = ZoneInfo("Europe/Berlin")


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _random_intervals(rng: random.Random) -> list[tuple[str, str]]:
    first_start = rng.randrange(6 * 60, 11 * 60, 5)
    first_end = first_start + rng.randrange(60, 5 * 60, 5)
    found = [(_hhmm(first_start), _hhmm(first_end))]
    if rng.random() < 0.5:
        second_start = first_end + rng.randrange(0, 90, 5)
        found.append((_hhmm(second_start), _hhmm(min(second_start + rng.randrange(30, 300, 5), 23 * 60))))
    return found


def _arrange(rng: random.Random):
    staff = [berlin_staff() for _ in range(rng.randint(1, 2))]
    for member in staff:
        weekly = []
        for weekday in range(1, 8):
            if rng.random() < 0.7:
                weekly += [{"weekday": weekday, "start": a, "end": b} for a, b in _random_intervals(rng)]
        ScheduleFactory(staff=member, weekly=weekly, timezone=rng.choice(["Europe/Berlin", "America/New_York"]))
        if rng.random() < 0.5:
            day = TODAY + timedelta(days=rng.randint(0, 6))
            intervals = [] if rng.random() < 0.3 else _random_intervals(rng)
            OverrideFactory(staff=member, date=day, intervals=[{"start": a, "end": b} for a, b in intervals])
        if rng.random() < 0.5:
            day = TODAY + timedelta(days=rng.randint(0, 6))
            LeaveRequestFactory(
                user=member,
                start_date=day,
                end_date=day,
                start_half=rng.choice([StartHalf.FULL, StartHalf.AFTERNOON]),
                end_half=EndHalf.FULL,
                status=RequestStatus.APPROVED,
            )
    service = ServiceFactory(
        staff=staff,
        duration_minutes=rng.choice([15, 20, 30, 45, 60, 90]),
        buffer_before_minutes=rng.choice([0, 0, 5, 10, 15, 30]),
        buffer_after_minutes=rng.choice([0, 0, 5, 10, 15, 30]),
        slot_step_minutes=rng.choice([5, 10, 15, 20, 30, 60]),
        min_notice_minutes=rng.choice([0, 30, 120, 24 * 60]),
        horizon_days=rng.choice([2, 4, 7, 30]),
    )
    other = ServiceFactory(staff=staff, duration_minutes=45, buffer_before_minutes=10, buffer_after_minutes=20)
    for member in staff:
        start = datetime.fromisoformat(f"{TODAY}T07:00:00+00:00") + timedelta(minutes=rng.randrange(0, 600, 5))
        for _ in range(rng.randint(0, 4)):
            AppointmentFactory(staff=member, service=other, start_utc=start)
            start += timedelta(minutes=75 + rng.randrange(0, 24 * 60, 5))
    return staff, service


def _offered(client, service, start: date, end: date) -> dict[datetime, list[str]]:
    response = client.get(SLOTS, {"service": str(service.uuid), "from": str(start), "to": str(end)})
    assert response.status_code == 200, response.content
    return {
        datetime.fromisoformat(slot["start"]): slot["staff"]
        for day in response.json()["slots"].values()
        for slot in day
    }


def _book(client, service, start: datetime, staff: str | None = None):
    body = {"service": str(service.uuid), "start_utc": start.isoformat()}
    if staff:
        body["staff"] = staff
    return client.post(BOOK, body)


@pytest.mark.parametrize("seed", range(16))
def test_offered_slots_book_booked_ones_vanish_and_unoffered_starts_are_refused(seed, clock, leave_types):
    rng = random.Random(seed)
    staff, service = _arrange(rng)
    client = bearer_client(UserFactory(timezone="Europe/Berlin"))
    window_start = TODAY + timedelta(days=rng.randint(-1, 3))
    window_end = window_start + timedelta(days=rng.randint(1, 6))
    staff_ids = [str(member.uuid) for member in staff]

    for _ in range(5):
        offered = _offered(client, service, window_start, window_end)
        if offered:
            start = rng.choice(sorted(offered))
            chosen = rng.choice([None, *offered[start]])
            booked = _book(client, service, start, chosen)
            assert booked.status_code == 201, (start, chosen, booked.content)
            assigned = booked.json()["staff"]
            assert assigned in offered[start] and (chosen is None or assigned == chosen)
            assert assigned not in _offered(client, service, window_start, window_end).get(start, [])

        before = Appointment.objects.count()
        offered = _offered(client, service, window_start, window_end)
        # Inside the window (its dates are the client's, Berlin's): outside it nothing is listed.
        opens = datetime.combine(window_start, time(), tzinfo=BERLIN)
        minutes = int((datetime.combine(window_end, time(), tzinfo=BERLIN) - opens).total_seconds() // 60)
        candidates = [opens + timedelta(minutes=rng.randrange(0, minutes, 5)) for _ in range(6)]
        candidates += [start + timedelta(minutes=rng.choice([-5, 5, 7])) for start in list(offered)[:3]]
        for candidate in candidates:
            member = rng.choice(staff_ids)
            if member in offered.get(candidate, []):
                continue
            refused = _book(client, service, candidate, member)
            assert refused.status_code in (400, 409), (candidate, member, refused.content)
            assert refused.json()["error"]["code"] in {
                "too_soon",
                "beyond_horizon",
                "outside_availability",
                "holiday",
                "staff_on_leave",
                "slot_taken",
            }
        assert Appointment.objects.count() == before
