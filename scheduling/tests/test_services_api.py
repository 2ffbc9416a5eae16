"""Services and staff availability over HTTP: who reads, who writes, what is refused."""

import pytest
from rest_framework.test import APIClient

from accounts.tests.factories import AdminFactory, StaffFactory, UserFactory
from audit.models import Action, AuditEvent
from config.testing import bearer_client
from scheduling.models import AvailabilityOverride, AvailabilitySchedule
from scheduling.tests.factories import OverrideFactory, ScheduleFactory, ServiceFactory, berlin_staff

pytestmark = pytest.mark.django_db
SERVICES = "/api/v1/services/"


def test_everyone_reads_active_services_admins_also_inactive_ones():
    staff = StaffFactory()
    active = ServiceFactory(staff=[staff])
    ServiceFactory(active=False)

    as_user = bearer_client(UserFactory()).get(SERVICES).json()
    as_admin = bearer_client(AdminFactory()).get(SERVICES).json()

    assert [row["id"] for row in as_user["results"]] == [str(active.uuid)]
    assert as_user["results"][0]["staff"] == [str(staff.uuid)]
    assert as_admin["count"] == 2
    assert APIClient().get(SERVICES).status_code == 401


def test_admins_create_and_change_services_and_others_may_not():
    admin, staff = AdminFactory(), StaffFactory()
    body = {"name": "Haircut", "duration_minutes": 30, "buffer_after_minutes": 10, "staff": [str(staff.uuid)]}

    refused = bearer_client(staff).post(SERVICES, body)
    created = bearer_client(admin).post(SERVICES, body)
    service_id = created.json()["id"]
    changed = bearer_client(admin).patch(f"{SERVICES}{service_id}/", {"slot_step_minutes": 30, "staff": []})

    assert refused.status_code == 403
    assert created.status_code == 201, created.content
    assert created.json()["staff"] == [str(staff.uuid)] and created.json()["slot_step_minutes"] == 15
    assert changed.status_code == 200 and changed.json()["slot_step_minutes"] == 30 and changed.json()["staff"] == []
    assert AuditEvent.objects.filter(action=Action.SERVICE_CHANGE).count() == 2


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "duration_minutes": 2},
        {"name": "x", "duration_minutes": 30, "buffer_before_minutes": -1},
        {"name": "x", "duration_minutes": 30, "staff": ["00000000-0000-0000-0000-000000000000"]},
    ],
)
def test_bad_services_are_400s(body):
    assert bearer_client(AdminFactory()).post(SERVICES, body).status_code == 400


def test_a_users_id_in_staff_is_a_400():
    response = bearer_client(AdminFactory()).post(
        SERVICES, {"name": "x", "duration_minutes": 30, "staff": [str(UserFactory().uuid)]}
    )

    assert response.status_code == 400 and "staff" in response.json()["error"]["fields"]


# --- Availability ---------------------------------------------------------------------------


def availability_url(staff) -> str:
    return f"/api/v1/staff/{staff.uuid}/availability/"


WEEK = {
    "timezone": "Europe/Berlin",
    "valid_from": "2026-01-01",
    "weekly": [
        {"weekday": 1, "start": "09:00", "end": "12:00"},
        {"weekday": 1, "start": "13:00", "end": "17:00"},
        {"weekday": 3, "start": "10:00", "end": "24:00"},
    ],
}


def test_the_staff_member_sets_their_weekly_hours_and_everyone_reads_them():
    staff = berlin_staff()

    put = bearer_client(staff).put(availability_url(staff), WEEK)
    read = bearer_client(UserFactory()).get(availability_url(staff), {"on": "2026-06-01"})

    assert put.status_code == 200, put.content
    assert read.json() == {"staff": str(staff.uuid), "source": "weekly", **WEEK}
    assert not AuditEvent.objects.filter(action=Action.AVAILABILITY_CHANGE).exists()  # their own


def test_a_new_valid_from_keeps_earlier_hours_and_drops_later_ones():
    staff = berlin_staff()
    ScheduleFactory(staff=staff, valid_from="2026-03-01")
    ScheduleFactory(staff=staff, valid_from="2026-09-01")

    bearer_client(staff).put(availability_url(staff), {**WEEK, "valid_from": "2026-06-01"})

    schedules = AvailabilitySchedule.objects.filter(staff=staff)
    starts = sorted(str(day) for day in schedules.values_list("valid_from", flat=True))
    assert starts == ["2026-03-01", "2026-06-01"]


def test_without_weekly_hours_the_work_pattern_is_shown():
    staff = StaffFactory(timezone="Europe/Paris")

    body = bearer_client(staff).get(availability_url(staff), {"on": "2027-01-06"}).json()

    assert body["source"] == "work_pattern" and body["valid_from"] is None and body["timezone"] == "Europe/Paris"
    assert body["weekly"] == [{"weekday": day, "start": "09:00", "end": "17:00"} for day in range(1, 6)]


def test_only_the_staff_member_or_an_admin_writes_and_an_admins_change_is_audited():
    staff = berlin_staff()
    admin = AdminFactory()

    by_colleague = bearer_client(StaffFactory()).put(availability_url(staff), WEEK)
    by_admin = bearer_client(admin).put(availability_url(staff), WEEK)

    assert by_colleague.status_code == 403
    assert by_admin.status_code == 200
    event = AuditEvent.objects.get(action=Action.AVAILABILITY_CHANGE)
    assert event.actor == admin and event.target_id == str(staff.uuid)


@pytest.mark.parametrize(
    "weekly",
    [
        [{"weekday": 1, "start": "09:00", "end": "12:00"}, {"weekday": 1, "start": "11:00", "end": "13:00"}],
        [{"weekday": 8, "start": "09:00", "end": "12:00"}],
        [{"weekday": 1, "start": "12:00", "end": "09:00"}],
        [{"weekday": 1, "start": "9am", "end": "12:00"}],
    ],
)
def test_bad_weekly_hours_are_400s(weekly):
    staff = berlin_staff()

    response = bearer_client(staff).put(availability_url(staff), {**WEEK, "weekly": weekly})

    assert response.status_code == 400, response.content
    assert not AvailabilitySchedule.objects.exists()


def test_a_bad_zone_is_400_and_a_non_staff_id_is_404():
    staff, user = berlin_staff(), UserFactory()

    assert bearer_client(staff).put(availability_url(staff), {**WEEK, "timezone": "Berlin"}).status_code == 400
    assert bearer_client(user).get(availability_url(user)).status_code == 404


def test_overrides_are_added_replaced_listed_and_removed():
    staff = berlin_staff()
    client = bearer_client(staff)
    url = f"{availability_url(staff)}overrides/"

    created = client.post(url, {"date": "2026-12-24", "intervals": []})
    replaced = client.post(url, {"date": "2026-12-24", "intervals": [{"start": "09:00", "end": "12:00"}]})
    eve = client.post(url, {"date": "2026-12-31", "intervals": [], "note": "New Year's Eve"})
    listed = bearer_client(UserFactory()).get(url, {"from": "2026-12-01", "to": "2026-12-31"})
    removed = client.delete(f"{url}{created.json()['id']}/")
    stranger = bearer_client(StaffFactory()).delete(f"{url}{eve.json()['id']}/")

    assert created.status_code == 201 and replaced.status_code == 200
    assert replaced.json()["id"] == created.json()["id"]
    assert [row["date"] for row in listed.json()["results"]] == ["2026-12-24"]
    assert listed.json()["results"][0]["intervals"] == [{"start": "09:00", "end": "12:00"}]
    assert removed.status_code == 204
    assert stranger.status_code == 403
    assert list(AvailabilityOverride.objects.values_list("note", flat=True)) == ["New Year's Eve"]


def test_someone_elses_override_cannot_be_removed_through_another_staff_path():
    staff, other = berlin_staff(), berlin_staff()
    override = OverrideFactory(staff=other)

    response = bearer_client(staff).delete(f"{availability_url(staff)}overrides/{override.uuid}/")

    assert response.status_code == 404 and AvailabilityOverride.objects.filter(pk=override.pk).exists()
