"""Another user's object is a 404 on every route that names it, whatever the method.

The routes are read from the URL resolver, so a route added later is covered without touching
this test."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.tests.factories import NotificationFactory, StaffFactory, UserFactory
from groups.tests.factories import GroupFactory, InviteFactory
from leave.models import Holiday, LeaveType
from leave.tests.factories import HolidayFactory, LeaveRequestFactory, LeaveTypeFactory
from media.tests.factories import ImageFactory
from scheduling.models import AvailabilityOverride, AvailabilitySchedule, Service
from scheduling.tests.factories import AppointmentFactory, OverrideFactory, ScheduleFactory, ServiceFactory
from tracking.tests.factories import SessionFactory, TimeEntryFactory, at

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


def _patterns(patterns, prefix=""):
    for pattern in patterns:
        text = prefix + str(pattern.pattern).lstrip("^").replace("\\", "")
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, text.rstrip("$"))
        elif isinstance(pattern, URLPattern):
            yield text.rstrip("$")


def routes_naming(collection: str) -> list[str]:
    """Every path under /api/v1/<collection>/<id>/..., with `{name}` where each parameter goes."""
    found = set()
    for text in _patterns(get_resolver().url_patterns):
        match = re.fullmatch(rf"api/v1/{collection}/\(\?P<id>[^)]*\)/(.*)", text)
        if match:
            rest = re.sub(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>", lambda m: f"{{{m[1] or m[2]}}}", match[1])
            found.add(f"/api/v1/{collection}/{{id}}/{rest}")
    return sorted(found)


def test_the_discovery_finds_the_command_routes():
    sessions = routes_naming("sessions")
    assert "/api/v1/sessions/{id}/start/" in sessions
    assert "/api/v1/sessions/{id}/join/" in sessions  # mounted by groups
    assert "/api/v1/time-entries/{id}/stop/" in routes_naming("time-entries")
    assert "/api/v1/groups/{id}/members/{user_id}/" in routes_naming("groups")
    assert "/api/v1/leave/requests/{id}/approve/" in routes_naming("leave/requests")
    assert "/api/v1/appointments/{id}/no-show/" in routes_naming("appointments")
    assert "/api/v1/staff/{id}/availability/overrides/{override_id}/" in routes_naming("staff")


@pytest.fixture
def owned_objects(user):
    session = SessionFactory(owner=user)
    lap = TimeEntryFactory(user=user, session=session, start=at(0, 9), end=at(0, 10))
    image = ImageFactory(owner=user, key=f"{user.uuid}/x.png")
    group = GroupFactory(owner=user)
    return {
        "sessions": session.uuid,
        "time-entries": lap.uuid,
        "notifications": NotificationFactory(user=user).uuid,
        "images": image.uuid,
        "groups": group.uuid,
        "invites": InviteFactory(group=group).uuid,
        "leave/requests": LeaveRequestFactory(user=user).uuid,
        "appointments": AppointmentFactory(customer=user).uuid,
        "user_id": user.uuid,
    }


OWNED = ["sessions", "time-entries", "notifications", "images", "groups", "invites", "leave/requests", "appointments"]


@pytest.mark.parametrize("collection", OWNED)
def test_a_stranger_gets_404_on_every_route_of_someone_elses_object(client_for, owned_objects, collection):
    stranger = client_for(UserFactory())
    routes = routes_naming(collection)
    assert routes, collection
    for route in routes:
        url = route.format(**{**owned_objects, "id": owned_objects[collection]})
        for method in METHODS:
            response = getattr(stranger, method)(url, {}, format="json")
            assert response.status_code in {404, 405}, (method, url, response.status_code, response.content)
            assert response.json()["error"]["code"] in {"not_found", "method_not_allowed"}


@pytest.fixture
def shared_objects():
    """Objects every signed-in user reads but only an ADMIN (or, for availability, the staff
    member themself) writes."""
    staff = StaffFactory()
    ScheduleFactory(staff=staff)
    return {
        "services": ServiceFactory(staff=[staff]).uuid,
        "holidays": HolidayFactory().uuid,
        "leave/types": LeaveTypeFactory().uuid,
        "staff": staff.uuid,
        "override_id": OverrideFactory(staff=staff).uuid,
    }


def _shared_rows() -> dict:
    models = (Service, Holiday, LeaveType, AvailabilitySchedule, AvailabilityOverride)
    return {model: list(model.objects.order_by("pk").values()) for model in models}


@pytest.mark.parametrize("collection", ["services", "holidays", "leave/types", "staff"])
def test_a_user_cannot_write_what_everyone_reads(client_for, shared_objects, collection):
    user = client_for(UserFactory())
    routes = routes_naming(collection)
    assert routes, collection
    before = _shared_rows()
    for route in routes:
        url = route.format(**{**shared_objects, "id": shared_objects[collection]})
        assert user.get(url).status_code in {200, 405}, url  # an override is read in its list
        for method in ("post", "put", "patch", "delete"):
            response = getattr(user, method)(url, {}, format="json")
            # 403, or 400 where the empty body is refused before the question of who may write.
            assert response.status_code in {400, 403, 405}, (method, url, response.status_code, response.content)
            assert response.json()["error"]["code"] in {"permission_denied", "method_not_allowed", "validation_error"}
    assert _shared_rows() == before


def test_options_answers_on_every_api_route(client_for, user, owned_objects):
    client = client_for(user)
    for text in _patterns(get_resolver().url_patterns):
        if not text.startswith("api/v1/"):
            continue
        path = "/" + re.sub(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>", "{\\1\\2}", text)
        names = re.findall(r"{(\w+)}", path)
        url = path.format(**{name: owned_objects.get(name, owned_objects["sessions"]) for name in names})
        response = client.options(url)
        # 403 where the role may not use the route at all, 405 where OPTIONS is not served; never a 5xx.
        assert response.status_code in {200, 403, 404, 405}, (url, response.status_code, response.content)
