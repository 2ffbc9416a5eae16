"""Sessions over HTTP: the Just Like Clockwork flow, the LockIN life cycle, laps, logs,
participants and visibility."""

import pytest

from accounts.tests.factories import UserFactory
from audit.models import AuditEvent
from config.errors import Conflict
from config.testing import OWNED_OBJECT_MATRIX, matrix_people
from media.tests.factories import ImageFactory
from tracking.hooks import session_visibility, session_write_guard
from tracking.models import LapImage, Session, SessionParticipant, SessionStatus, TimeEntry
from tracking.tests.factories import ProjectFactory, SessionFactory, TimeEntryFactory, at

pytestmark = pytest.mark.django_db

URL = "/api/v1/sessions/"


def detail(session_id) -> str:
    return f"{URL}{session_id}/"


def lap(start: str, end: str, **extra) -> dict:
    return {"start_utc": start, "end_utc": end, **extra}


def test_clockwork_flow_create_list_latest_by_date_get_update_delete(client_for, user):
    client = client_for(user)
    first = client.post(
        URL,
        {
            "title": "Monday",
            "laps": [
                lap("2025-09-15T09:00:00Z", "2025-09-15T10:00:00Z", activity="Code"),
                lap("2025-09-15T10:15:00Z", "2025-09-15T11:00:00Z"),
            ],
        },
        format="json",
    )
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["status"] == "stopped"
    assert (body["start_utc"], body["end_utc"]) == ("2025-09-15T09:00:00Z", "2025-09-15T11:00:00Z")
    assert body["duration"] == 3600 + 45 * 60
    assert [x["activity"] for x in body["laps"]] == ["Code", ""]
    second = client.post(
        URL, {"title": "Tuesday", "laps": [lap("2025-09-16T09:00:00Z", "2025-09-16T09:30:00Z")]}, format="json"
    )
    planned = client.post(URL, {"title": "Later"}).json()
    assert planned["status"] == "planned" and planned["laps"] == []

    page = client.get(f"{URL}?page_size=2").json()
    assert page["count"] == 3
    assert [s["title"] for s in page["results"]] == ["Later", "Tuesday"]
    assert page["next"] is not None

    assert client.get(f"{URL}latest/").json()["id"] == planned["id"]

    by_date = client.get(f"{URL}by-date/?from=2025-09-15T00:00:00Z&to=2025-09-16T00:00:00Z").json()
    assert [s["id"] for s in by_date["results"]] == [body["id"]]

    got = client.get(detail(body["id"])).json()
    assert [x["start_utc"] for x in got["laps"]] == ["2025-09-15T09:00:00Z", "2025-09-15T10:15:00Z"]

    kept = got["laps"][1]["id"]
    updated = client.put(
        detail(body["id"]),
        {
            "title": "Monday (fixed)",
            "laps": [
                lap("2025-09-15T10:00:00Z", "2025-09-15T11:30:00Z", id=kept),
                lap("2025-09-15T12:00:00Z", "2025-09-15T12:30:00Z"),
            ],
        },
        format="json",
    )
    assert updated.status_code == 200, updated.content
    result = updated.json()
    assert result["title"] == "Monday (fixed)"
    assert [x["id"] for x in result["laps"]][0] == kept
    assert len(result["laps"]) == 2
    assert (result["start_utc"], result["end_utc"]) == ("2025-09-15T10:00:00Z", "2025-09-15T12:30:00Z")
    assert TimeEntry.objects.filter(session__uuid=body["id"]).count() == 2

    assert client.delete(detail(body["id"])).status_code == 204
    assert client.get(detail(body["id"])).status_code == 404
    assert not TimeEntry.objects.filter(session__uuid=body["id"]).exists()
    assert second.status_code == 201


def test_lockin_life_cycle_laps_and_durations_add_up(client_for, user, clock):
    client = client_for(user)
    session = client.post(URL, {"title": "Focus"}).json()
    url = detail(session["id"])

    assert client.post(f"{url}start/").json()["status"] == "running"
    clock.advance(minutes=25)
    assert client.post(f"{url}pause/").json()["status"] == "paused"
    clock.advance(minutes=5)
    assert client.post(f"{url}resume/").json()["status"] == "running"
    clock.advance(minutes=20)
    after_lap = client.post(f"{url}lap/").json()
    assert after_lap["status"] == "running"
    assert after_lap["laps"][-1]["running"] is True
    clock.advance(minutes=10)
    stopped = client.post(f"{url}stop/").json()

    assert stopped["status"] == "stopped"
    durations = [x["duration"] for x in stopped["laps"]]
    assert durations == [25 * 60, 20 * 60, 10 * 60]
    assert stopped["duration"] == sum(durations) == 55 * 60
    assert stopped["laps"][1]["end_utc"] == stopped["laps"][2]["start_utc"]  # `lap` splits without a gap
    assert (stopped["start_utc"], stopped["end_utc"]) == ("2025-09-15T09:00:00Z", "2025-09-15T10:00:00Z")
    assert client.get("/api/v1/time-entries/current/").status_code == 204
    participants = client.get(f"{url}participants/").json()["results"]
    assert [(p["user"], p["minutes"], p["is_owner"]) for p in participants] == [(str(user.uuid), 55, True)]


@pytest.mark.parametrize(
    ("setup", "command", "state"),
    [
        ([], "pause", "planned"),
        ([], "resume", "planned"),
        ([], "lap", "planned"),
        (["start"], "start", "running"),
        (["start"], "resume", "running"),
        (["start", "pause"], "pause", "paused"),
        (["start", "pause"], "lap", "paused"),
        (["start", "stop"], "start", "stopped"),
        (["start", "stop"], "stop", "stopped"),
        (["stop"], "resume", "stopped"),
    ],
)
def test_illegal_transitions_are_409_naming_the_state(client_for, user, setup, command, state):
    session = SessionFactory(owner=user)
    client = client_for(user)
    for step in setup:
        assert client.post(f"{detail(session.uuid)}{step}/").status_code == 200
    before = (Session.objects.get(pk=session.pk).status, TimeEntry.objects.count())
    response = client.post(f"{detail(session.uuid)}{command}/")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "invalid_transition"
    assert state in error["message"] and error["status"] == state
    assert (Session.objects.get(pk=session.pk).status, TimeEntry.objects.count()) == before


def test_colon_commands_of_the_lockin_clients_work(client_for, user):
    session = SessionFactory(owner=user)
    assert client_for(user).post(f"/api/sessions/{session.uuid}:start").json()["status"] == "running"


def test_starting_a_session_while_a_plain_timer_runs_is_409(client_for, user):
    client = client_for(user)
    timer = client.post("/api/v1/time-entries/start/").json()
    session = SessionFactory(owner=user)
    response = client.post(f"{detail(session.uuid)}start/")
    assert response.status_code == 409
    assert response.json()["error"]["running_entry"] == timer["id"]
    assert Session.objects.get(pk=session.pk).status == SessionStatus.PLANNED


def test_logs_add_a_manual_lap_by_end_or_duration(client_for, user):
    session = SessionFactory(owner=user)
    client = client_for(user)
    by_end = client.post(
        f"{detail(session.uuid)}logs/", {"start_utc": "2025-09-15T09:00:00Z", "end_utc": "2025-09-15T09:45:00Z"}
    )
    assert by_end.status_code == 201, by_end.content
    assert by_end.json()["duration"] == 45 * 60
    by_duration = client.post(f"{detail(session.uuid)}logs/", {"start_utc": "2025-09-15T10:00:00Z", "duration": 1800})
    assert by_duration.json()["end_utc"] == "2025-09-15T10:30:00Z"
    body = client.get(detail(session.uuid)).json()
    assert body["lap_count"] == 2 and body["duration"] == 75 * 60


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"start_utc": "2025-09-15T09:00:00Z"}, 400),
        ({"start_utc": "2025-09-15T09:00:00Z", "end_utc": "2025-09-15T10:00:00Z", "duration": 60}, 400),
        ({"start_utc": "2025-09-15T09:00:00Z", "duration": 0}, 400),
        ({"start_utc": "2025-09-15T09:00:00Z", "duration": -5}, 400),
        ({"start_utc": "2025-09-15T09:00:00Z", "duration": 10**30}, 400),
        ({"start_utc": "2025-09-15T09:00:00Z", "duration": "long"}, 400),
        ({"start_utc": "2025-09-15T09:00:00Z", "duration": 25 * 3600}, 400),
        ({"start_utc": "9999-12-31T23:59:00Z", "duration": 3600}, 400),
        ({"start_utc": "2999-12-31T23:00:00Z", "duration": 3600}, 400),
        ({"start_utc": "2025-09-15T09:00", "duration": 60}, 400),
        ({"start_utc": "2025-09-15T09:00:00Z", "end_utc": "2025-09-15T08:00:00Z"}, 400),
        ({"start_utc": "2025-09-15T08:30:00Z", "duration": 3600}, 409),
    ],
)
def test_bad_logs_are_refused_and_change_nothing(client_for, user, payload, status):
    session = SessionFactory(owner=user)
    TimeEntryFactory(user=user, start=at(0, 9), end=at(0, 10))
    response = client_for(user).post(f"{detail(session.uuid)}logs/", payload, format="json")
    assert response.status_code == status, response.content
    assert not session.laps.exists()


def test_put_validates_laps_like_entries(client_for, user):
    session = SessionFactory(owner=user, title="Original")
    TimeEntryFactory(user=user, start=at(0, 12), end=at(0, 13))
    ProjectFactory(code="OLD", archived=True)
    client = client_for(user)

    def put(laps):
        return client.put(detail(session.uuid), {"title": "x", "laps": laps}, format="json")

    backwards = put(
        [lap("2025-09-15T09:00:00Z", "2025-09-15T10:00:00Z"), lap("2025-09-15T11:00:00Z", "2025-09-15T10:00:00Z")]
    )
    assert backwards.status_code == 400
    assert backwards.json()["error"]["message"].startswith("laps[1].end_utc")
    naive = put([lap("2025-09-15T09:00:00", "2025-09-15T10:00:00Z")])
    assert naive.status_code == 400 and "laps" in naive.json()["error"]["fields"]
    crossing = put(
        [lap("2025-09-15T09:00:00Z", "2025-09-15T10:00:00Z"), lap("2025-09-15T09:30:00Z", "2025-09-15T10:30:00Z")]
    )
    assert crossing.status_code == 409
    onto_entry = put([lap("2025-09-15T12:30:00Z", "2025-09-15T14:00:00Z")])
    assert onto_entry.status_code == 409 and onto_entry.json()["error"]["code"] == "overlap"
    archived = put([lap("2025-09-15T09:00:00Z", "2025-09-15T10:00:00Z", project_code="OLD")])
    assert archived.status_code == 409
    unknown_id = put([lap("2025-09-15T09:00:00Z", "2025-09-15T10:00:00Z", id="6f1c1f7e-3b1a-4f0e-9a55-0d4c3d2b1a00")])
    assert unknown_id.status_code == 400
    missing = client.put(detail(session.uuid), {"title": "no laps"}, format="json")
    assert missing.status_code == 400 and "laps" in missing.json()["error"]["fields"]
    session.refresh_from_db()
    assert (session.title, session.status, session.laps.count()) == ("Original", "planned", 0)


def test_put_can_swap_laps_past_each_other(client_for, user):
    client = client_for(user)
    created = client.post(
        URL,
        {
            "laps": [
                lap("2025-09-15T09:00:00Z", "2025-09-15T10:00:00Z"),
                lap("2025-09-15T10:00:00Z", "2025-09-15T11:00:00Z"),
            ]
        },
        format="json",
    ).json()
    a, b = (x["id"] for x in created["laps"])
    swapped = client.put(
        detail(created["id"]),
        {
            "laps": [
                lap("2025-09-15T10:00:00Z", "2025-09-15T11:00:00Z", id=a),
                lap("2025-09-15T09:00:00Z", "2025-09-15T10:00:00Z", id=b),
            ]
        },
        format="json",
    )
    assert swapped.status_code == 200, swapped.content
    assert [x["id"] for x in swapped.json()["laps"]] == [b, a]


def test_put_on_a_running_session_is_409_but_patch_of_title_works(client_for, user):
    session = SessionFactory(owner=user)
    client = client_for(user)
    client.post(f"{detail(session.uuid)}start/")
    refused = client.put(detail(session.uuid), {"laps": []}, format="json")
    assert refused.status_code == 409 and "running" in refused.json()["error"]["message"]
    renamed = client.patch(detail(session.uuid), {"title": "Renamed"})
    assert renamed.status_code == 200
    assert renamed.json()["title"] == "Renamed" and renamed.json()["status"] == "running"


def test_deleting_a_running_session_frees_the_timer(client_for, user):
    session = SessionFactory(owner=user)
    client = client_for(user)
    client.post(f"{detail(session.uuid)}start/")
    assert client.delete(detail(session.uuid)).status_code == 204
    assert client.get("/api/v1/time-entries/current/").status_code == 204
    assert client.post("/api/v1/time-entries/start/").status_code == 201


@OWNED_OBJECT_MATRIX
def test_session_permission_matrix(api_client, client_for, who, get, write, delete):
    people = matrix_people()
    session = SessionFactory(owner=people["owner"])
    client = api_client if who == "anonymous" else client_for(people[who])
    url = detail(session.uuid)
    assert client.get(url).status_code == get
    assert client.get(f"{url}participants/").status_code == get
    assert client.patch(url, {"title": "changed"}).status_code == write
    assert client.post(f"{url}start/").status_code == write
    assert client.post(f"{url}logs/", {"start_utc": "2025-09-15T06:00:00Z", "duration": 60}).status_code in {write, 201}
    assert client.delete(url).status_code == delete
    if delete != 204:
        session.refresh_from_db()
        assert session.title != "changed"
        assert session.status == "planned"
        assert not session.laps.exists()


def test_admin_changes_to_someone_elses_session_are_audited(client_for, user, admin_user):
    session = SessionFactory(owner=user)
    client = client_for(admin_user)
    client.patch(detail(session.uuid), {"title": "Moderated"})
    client.delete(detail(session.uuid))
    assert set(AuditEvent.objects.filter(actor=admin_user).values_list("action", flat=True)) == {
        "session.update",
        "session.delete",
    }


def test_participants_see_and_log_into_a_session_but_do_not_command_it(client_for, user, other_user):
    from tracking.services.participants import session_participant_join, session_participant_leave

    session = SessionFactory(owner=user)
    session_participant_join(actor=other_user, session=session, user=other_user)
    client = client_for(other_user)
    assert client.get(detail(session.uuid)).status_code == 200
    logged = client.post(f"{detail(session.uuid)}logs/", {"start_utc": "2025-09-15T09:00:00Z", "duration": 600})
    assert logged.status_code == 201 and logged.json()["user"] == str(other_user.uuid)
    assert client.post(f"{detail(session.uuid)}start/").status_code == 403
    rows = client.get(f"{detail(session.uuid)}participants/").json()["results"]
    assert {(r["email"], r["minutes"]) for r in rows} == {(user.email, 0), (other_user.email, 10)}
    session_participant_leave(actor=other_user, session=session, user=other_user)
    assert SessionParticipant.objects.get(session=session, user=other_user).left_at is not None
    assert (
        client.post(f"{detail(session.uuid)}logs/", {"start_utc": "2025-09-15T11:00:00Z", "duration": 60}).status_code
        == 403
    )
    with pytest.raises(Conflict):
        session_participant_leave(actor=user, session=session, user=user)


def test_write_guards_refuse_session_and_lap_writes(client_for, user):
    session = SessionFactory(owner=user, title="archived group")
    client = client_for(user)
    client.post(f"{detail(session.uuid)}logs/", {"start_utc": "2025-09-15T09:00:00Z", "duration": 600})
    lap_id = session.laps.get().uuid

    def refuse_archived(target):
        if target.title == "archived group":
            raise Conflict("The group is archived.", code="group_archived")

    with session_write_guard.registered(refuse_archived):
        assert client.post(f"{detail(session.uuid)}start/").status_code == 409
        assert client.patch(detail(session.uuid), {"notes": "x"}).status_code == 409
        assert client.delete(detail(session.uuid)).status_code == 409
        assert client.patch(f"/api/v1/time-entries/{lap_id}/", {"notes": "x"}).status_code == 409
        assert client.delete(f"/api/v1/time-entries/{lap_id}/").status_code == 409
        assert client.post(URL, {"title": "fresh"}).status_code == 201  # other sessions are untouched
    assert session.laps.count() == 1


def test_visibility_rules_widen_what_a_user_sees_but_not_what_they_write(client_for, user, other_user):
    shared = SessionFactory(owner=user, title="team room")
    SessionFactory(owner=user, title="private")

    def team_rooms(actor):
        from django.db.models import Q

        return Q(title="team room")

    with session_visibility.registered(team_rooms):
        client = client_for(other_user)
        assert [s["id"] for s in client.get(URL).json()["results"]] == [str(shared.uuid)]
        assert client.post(f"{detail(shared.uuid)}start/").status_code == 403
    assert client_for(other_user).get(detail(shared.uuid)).status_code == 404


def test_latest_is_404_without_sessions_and_ignores_reports(client_for, staff):
    client = client_for(staff)
    assert client.get(f"{URL}latest/").status_code == 404
    SessionFactory(owner=UserFactory(manager=staff))
    mine = SessionFactory(owner=staff)
    SessionFactory(owner=UserFactory(manager=staff))
    assert client.get(f"{URL}latest/").json()["id"] == str(mine.uuid)


def test_by_date_needs_an_aware_window(client_for, user):
    client = client_for(user)
    assert client.get(f"{URL}by-date/").status_code == 400
    assert client.get(f"{URL}by-date/?from=2025-09-15T00:00:00&to=2025-09-16T00:00:00Z").status_code == 400
    assert client.get(f"{URL}by-date/?from=2025-09-16T00:00:00Z&to=2025-09-15T00:00:00Z").status_code == 400
    assert (
        client.get(f"{URL}by-date/?from=2025-09-15T00:00:00Z&to=2025-09-16T00:00:00Z&status=sideways").status_code
        == 400
    )


def test_by_date_includes_open_sessions_up_to_now(client_for, user):
    client = client_for(user)
    session = SessionFactory(owner=user)
    client.post(f"{detail(session.uuid)}start/")
    assert client.get(f"{URL}by-date/?from=2025-09-15T00:00:00Z&to=2999-01-01T00:00:00Z").json()["count"] == 1
    assert client.get(f"{URL}by-date/?from=2998-01-01T00:00:00Z&to=2999-01-01T00:00:00Z").json()["count"] == 0


def _sessions_with_laps(owner, count):
    """Stopped sessions of three laps each; every lap carries one image."""
    for index in range(count):
        session = SessionFactory(owner=owner, status="stopped", started_at=at(index, 0), ended_at=at(index, 2.5))
        for offset in range(3):
            lap = TimeEntryFactory(user=owner, session=session, start=at(index, offset), end=at(index, offset + 0.5))
            image = ImageFactory(owner=owner, key=f"{owner.uuid}/{session.uuid}/{lap.uuid}_x.png")
            LapImage.objects.create(lap=lap, image=image)


def test_session_lists_follow_the_page_size_with_laps_and_images(client_for, user):
    _sessions_with_laps(user, 12)
    client = client_for(user)
    window = "from=2025-09-01T00:00:00Z&to=2025-12-01T00:00:00Z"
    for path in (f"{URL}?page_size=", f"{URL}by-date/?{window}&page_size="):
        small = client.get(f"{path}2")
        large = client.get(f"{path}20")
        assert len(small.json()["results"]) == 2
        assert len(large.json()["results"]) == 12
        assert all(len(s["laps"]) == 3 for s in large.json()["results"])
        assert all(len(lap["images"]) == 1 for s in large.json()["results"] for lap in s["laps"])


def test_participants_list_follows_the_page_size(client_for, user):
    from tracking.services.participants import session_participant_join

    session = SessionFactory(owner=user)
    for member in UserFactory.create_batch(6):
        session_participant_join(actor=member, session=session, user=member)
        TimeEntryFactory(user=member, session=session)
    client = client_for(user)
    small = client.get(f"{detail(session.uuid)}participants/?page_size=2")
    large = client.get(f"{detail(session.uuid)}participants/?page_size=20")
    assert len(small.json()["results"]) == 2
    assert len(large.json()["results"]) == 7


def test_a_patch_with_laps_needs_complete_laps(client_for, user):
    session = SessionFactory(owner=user)
    response = client_for(user).patch(
        detail(session.uuid), {"laps": [{"end_utc": "2025-09-15T10:00:00Z"}]}, format="json"
    )
    assert response.status_code == 400
    assert "laps" in response.json()["error"]["fields"]
    assert not session.laps.exists()
