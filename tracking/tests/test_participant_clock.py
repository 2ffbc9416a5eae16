"""Participants' own clocks in a session: clock-in and clock-out over HTTP, and how the owner's
commands and leaving treat participants' running laps."""

import pytest

from accounts.tests.factories import UserFactory
from config.errors import Conflict
from tracking.hooks import session_write_guard
from tracking.models import SessionStatus, TimeEntry
from tracking.services.participants import session_participant_join, session_participant_leave
from tracking.tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def url(session, command: str) -> str:
    return f"/api/v1/sessions/{session.uuid}/{command}/"


@pytest.fixture
def room(user, other_user):
    """A planned session of `user` that `other_user` has joined."""
    session = SessionFactory(owner=user)
    session_participant_join(actor=other_user, session=session, user=other_user)
    return session


def test_a_participant_clocks_in_and_out_without_moving_the_session(client_for, other_user, room, clock):
    client = client_for(other_user)
    response = client.post(url(room, "clock-in"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "planned"
    assert [(lap["user"], lap["running"]) for lap in body["laps"]] == [(str(other_user.uuid), True)]
    assert client.get("/api/v1/time-entries/current/").json()["session"] == str(room.uuid)
    clock.advance(minutes=25)
    assert client.post(url(room, "clock-out")).json()["status"] == "planned"
    rows = client.get(url(room, "participants")).json()["results"]
    assert {(r["user"], r["minutes"]) for r in rows} == {(str(room.owner.uuid), 0), (str(other_user.uuid), 25)}


def test_clock_in_refusals(client_for, user, other_user, room, clock):
    client = client_for(other_user)
    TimeEntry.objects.create(user=other_user, start=clock.now, end=None)
    running = client.post(url(room, "clock-in"))
    assert (running.status_code, running.json()["error"]["code"]) == (409, "timer_running")
    TimeEntry.objects.filter(user=other_user).delete()

    not_in = client.post(url(room, "clock-out"))
    assert (not_in.status_code, not_in.json()["error"]["code"]) == (409, "not_clocked_in")
    assert client_for(UserFactory()).post(url(room, "clock-in")).status_code == 404

    client_for(user).post(url(room, "stop"))
    stopped = client.post(url(room, "clock-in"))
    assert (stopped.status_code, stopped.json()["error"]["code"]) == (409, "session_stopped")

    session_participant_leave(actor=other_user, session=room, user=other_user)
    assert client.post(url(room, "clock-in")).status_code == 403


def test_for_the_owner_clock_in_starts_or_resumes_and_clock_out_pauses(client_for, user, room, clock):
    client = client_for(user)
    assert client.post(url(room, "clock-in")).json()["status"] == "running"
    clock.advance(minutes=10)
    assert client.post(url(room, "clock-out")).json()["status"] == "paused"
    clock.advance(minutes=5)
    assert client.post(url(room, "clock-in")).json()["status"] == "running"
    again = client.post(url(room, "clock-in"))
    assert (again.status_code, again.json()["error"]["code"]) == (409, "timer_running")


def test_the_owners_pause_leaves_participants_running_and_stop_closes_every_lap(
    client_for, user, other_user, room, clock
):
    owner, participant = client_for(user), client_for(other_user)
    owner.post(url(room, "start"))
    participant.post(url(room, "clock-in"))
    clock.advance(minutes=30)
    assert owner.post(url(room, "pause")).json()["status"] == "paused"
    assert TimeEntry.objects.get(user=other_user).end is None
    owner.post(url(room, "resume"))
    assert owner.post(url(room, "lap")).status_code == 200
    assert TimeEntry.objects.get(user=other_user).end is None
    clock.advance(minutes=15)
    stopped = owner.post(url(room, "stop")).json()
    assert stopped["status"] == "stopped"
    assert not TimeEntry.objects.filter(end__isnull=True).exists()
    assert TimeEntry.objects.get(user=other_user).end == clock.now


def test_leaving_closes_the_leavers_running_lap(client_for, other_user, room, clock):
    client_for(other_user).post(url(room, "clock-in"))
    clock.advance(minutes=12)
    session_participant_leave(actor=other_user, session=room, user=other_user)
    lap = TimeEntry.objects.get(user=other_user)
    assert lap.end == clock.now
    room.refresh_from_db()
    assert room.status == SessionStatus.PLANNED


def test_write_guards_cover_clock_in_and_out(client_for, other_user, room):
    client = client_for(other_user)
    client.post(url(room, "clock-in"))

    def frozen(session):
        raise Conflict("Frozen.", code="frozen")

    with session_write_guard.registered(frozen):
        assert client.post(url(room, "clock-out")).json()["error"]["code"] == "frozen"
        assert client.post(url(room, "clock-in")).status_code == 409
    assert TimeEntry.objects.get(user=other_user).end is None
