"""Another person's time is read under one rule everywhere: what `/time-entries/{id}/` shows.

A STAFF member sees their reports' sessions, but a report's session may hold laps and
participants of people the STAFF member does not manage (the report's group mates). Every GET
route of the published schema is called as that STAFF member with every object id in play, and no
answer may carry the outsider's laps, notes or e-mail. Peers in the session (its participants and
the group's members) still see everyone's laps."""

from __future__ import annotations

import itertools
import re

import pytest
from drf_spectacular.generators import SchemaGenerator

from accounts.tests.factories import StaffFactory, UserFactory
from groups.tests.factories import GroupSessionFactory, MembershipFactory
from tracking.models import SessionParticipant
from tracking.tests.factories import SessionFactory, TimeEntryFactory, at

pytestmark = pytest.mark.django_db

SECRET = "outsider-private-note"


@pytest.fixture
def world():
    staff = StaffFactory()
    report = UserFactory(manager=staff)
    outsider = UserFactory(email="outsider@example.com")
    group_session = GroupSessionFactory(group__owner=report)
    MembershipFactory(group=group_session.group, user=outsider)
    plain_session = SessionFactory(owner=report)
    laps = {"report": [], "outsider": []}
    for day, session in enumerate([group_session.session, plain_session]):
        SessionParticipant.objects.create(session=session, user=outsider)
        laps["report"].append(TimeEntryFactory(user=report, session=session, start=at(day, 9), end=at(day, 10)))
        laps["outsider"].append(
            TimeEntryFactory(user=outsider, session=session, start=at(day, 9), end=at(day, 11), notes=SECRET)
        )
    return {
        "staff": staff,
        "report": report,
        "outsider": outsider,
        "group": group_session.group,
        "sessions": [group_session.session, plain_session],
        "laps": laps,
    }


def _get_paths() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(path for path, item in schema["paths"].items() if "get" in item)


def _urls(path: str, world) -> list[str]:
    """`path` with every combination of the ids in play for its parameters."""
    ids = {
        "sessions": [s.uuid for s in world["sessions"]],
        "time-entries": [lap.uuid for lap in world["laps"]["report"] + world["laps"]["outsider"]],
        "groups": [world["group"].uuid],
        "users": [world["report"].uuid, world["outsider"].uuid],
        "members": [world["report"].uuid, world["outsider"].uuid],
    }
    parts = path.strip("/").split("/")
    choices = []
    for index, part in enumerate(parts):
        if re.fullmatch(r"\{\w+\}", part):
            choices.append([str(value) for value in ids.get(parts[index - 1], ids["users"])])
        else:
            choices.append([part])
    return ["/" + "/".join(combo) + "/" for combo in itertools.product(*choices)]


def _leaks(body: str, world) -> list[str]:
    outsider = world["outsider"]
    marks = [SECRET, outsider.email, str(outsider.uuid), *(str(lap.uuid) for lap in world["laps"]["outsider"])]
    return [mark for mark in marks if mark in body]


def test_no_route_shows_a_staff_member_the_time_of_someone_they_do_not_manage(world, client_for):
    client = client_for(world["staff"])
    outsider = world["outsider"]
    queries = [{}, {"user": str(outsider.uuid)}, *({"session": str(s.uuid)} for s in world["sessions"])]
    checked, leaks = 0, []
    for path in _get_paths():
        if path.startswith("/api/v1/schema") or "{" in path and "/api/v1/" not in path:
            continue
        for url, query in itertools.product(_urls(path, world), queries):
            response = client.get(url, query)
            assert response.status_code < 500, (url, query, response.content[:300])
            checked += 1
            found = _leaks(response.content.decode(), world)
            if found:
                leaks.append(f"{url} {query}: {found}")
    assert checked > 100
    assert not leaks


def test_the_same_laps_are_404_at_the_entry_route(world, client_for):
    client = client_for(world["staff"])

    for lap in world["laps"]["outsider"]:
        assert client.get(f"/api/v1/time-entries/{lap.uuid}/").status_code == 404
    for lap in world["laps"]["report"]:
        assert client.get(f"/api/v1/time-entries/{lap.uuid}/").status_code == 200


def test_the_staff_member_still_sees_their_reports_laps_and_participation(world, client_for):
    client = client_for(world["staff"])

    for session, lap in zip(world["sessions"], world["laps"]["report"], strict=True):
        detail = client.get(f"/api/v1/sessions/{session.uuid}/").json()
        participants = client.get(f"/api/v1/sessions/{session.uuid}/participants/").json()["results"]
        assert [item["id"] for item in detail["laps"]] == [str(lap.uuid)]
        assert detail["duration"] == 3600
        assert [row["user"] for row in participants] == [str(world["report"].uuid)]


@pytest.mark.parametrize("peer", ["report", "outsider"])
def test_peers_in_a_session_see_every_lap_and_participant(world, client_for, peer):
    client = client_for(world[peer])

    for session in world["sessions"]:
        detail = client.get(f"/api/v1/sessions/{session.uuid}/").json()
        participants = client.get(f"/api/v1/sessions/{session.uuid}/participants/").json()["results"]
        assert len(detail["laps"]) == 2
        assert {row["user"] for row in participants} == {str(world["report"].uuid), str(world["outsider"].uuid)}


def test_a_group_member_who_did_not_join_sees_the_group_session_in_full(world, client_for):
    member = UserFactory()
    MembershipFactory(group=world["group"], user=member)
    session = world["sessions"][0]

    detail = client_for(member).get(f"/api/v1/sessions/{session.uuid}/").json()

    assert len(detail["laps"]) == 2


def test_an_admin_sees_everyone(world, client_for, admin_user):
    session = world["sessions"][1]

    detail = client_for(admin_user).get(f"/api/v1/sessions/{session.uuid}/").json()

    assert len(detail["laps"]) == 2
