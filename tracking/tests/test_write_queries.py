"""Query counts of every write path through the gate. Each number is what the path costs today;
the batch checks (one running-timer query, one overlap query) keep them flat in the number of laps."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tracking.models import SessionStatus
from tracking.services import entries, laps, participants, sessions
from tracking.services.laps import LapSpec
from tracking.tests.factories import ProjectFactory, SessionFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def count(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def lap_specs(n: int, day: int = 2) -> list[LapSpec]:
    base = NOW - timedelta(days=day)
    return [LapSpec(start=base + timedelta(minutes=10 * i), end=base + timedelta(minutes=10 * i + 5)) for i in range(n)]


def measure(user, other_user):
    project = ProjectFactory()
    out = {}
    out["entry_create"] = count(
        lambda: entries.time_entry_create(
            actor=user, start=NOW - timedelta(hours=3), end=NOW - timedelta(hours=2), project_id=project.uuid, now=NOW
        )
    )
    entry = TimeEntryFactory(user=user, start=NOW - timedelta(hours=6), end=NOW - timedelta(hours=5))
    out["entry_update_notes"] = count(
        lambda: entries.time_entry_update(actor=user, entry=entry, changes={"notes": "x"}, now=NOW)
    )
    out["entry_update_times"] = count(
        lambda: entries.time_entry_update(actor=user, entry=entry, changes={"start": NOW - timedelta(hours=7)}, now=NOW)
    )
    out["entry_delete"] = count(lambda: entries.time_entry_delete(actor=user, entry=entry, now=NOW))
    timer = []
    out["timer_start"] = count(lambda: timer.append(entries.timer_start(actor=user, now=NOW)[0]))
    out["timer_stop"] = count(lambda: entries.timer_stop(actor=user, entry=timer[0], now=NOW + timedelta(minutes=5)))
    later = NOW + timedelta(minutes=10)
    session = sessions.session_create(actor=user, title="s", now=later)
    out["session_start"] = count(lambda: sessions.session_start(actor=user, session=session, now=later))
    out["session_lap"] = count(
        lambda: sessions.session_lap(actor=user, session=session, now=later + timedelta(minutes=1))
    )
    out["session_pause"] = count(
        lambda: sessions.session_pause(actor=user, session=session, now=later + timedelta(minutes=2))
    )
    out["session_resume"] = count(
        lambda: sessions.session_resume(actor=user, session=session, now=later + timedelta(minutes=3))
    )
    out["session_stop"] = count(
        lambda: sessions.session_stop(actor=user, session=session, now=later + timedelta(minutes=4))
    )
    for n in (2, 20):
        out[f"session_create_{n}_laps"] = count(
            lambda n=n: sessions.session_create(actor=user, title="r", laps=lap_specs(n, day=3 + n), now=NOW)
        )
    for n in (2, 20):
        # Each replaces a record of two laps by n others: two deleted, n inserted.
        record = sessions.session_create(actor=user, laps=lap_specs(2, day=60 + n), now=NOW)
        out[f"session_replace_{n}_laps"] = count(
            lambda n=n, record=record: sessions.session_update(
                actor=user, session=record, changes={"laps": lap_specs(n, day=30 + n)}, now=NOW
            )
        )
    out["session_log_add"] = count(
        lambda: laps.session_log_add(actor=user, session=session, start=NOW - timedelta(days=60), duration=600, now=NOW)
    )
    room = SessionFactory(owner=user, status=SessionStatus.PAUSED)
    participants.session_participant_join(actor=other_user, session=room, user=other_user, now=NOW)
    out["clock_in"] = count(lambda: participants.session_clock_in(actor=other_user, session=room, now=later))
    out["clock_out"] = count(
        lambda: participants.session_clock_out(actor=other_user, session=room, now=later + timedelta(minutes=1))
    )
    return out


# Measured on SQLite and PostgreSQL alike. Before the gate: entry_update_notes 10, entry_delete 6,
# timer_start 12 (the running timer was looked up twice). Before the working-time guard read the
# week once (and the week start with it): one more on every path that computes warnings. Before a
# session command took the acting owner as the session's owner (instead of reading the owner with
# the locked session): session start, lap and resume one more (the owner's settings, read again).
# Before the warnings reused the week start their query read: the paths that warn one more.
# Before the archived-group check rode along with the locked session row: every path that locks a
# session (commands, clock-in/out, replace, log) one more. Before a write that opens no timer
# stopped running in a savepoint (SAVEPOINT and RELEASE): entry create and time moves, session
# create and replace, and log add two more; before a write that opens one stopped too: timer
# start, session start, lap and resume, and clock-in two more. Before a single new row checked
# for overlaps in its own INSERT: entry create, timer start, session start and resume, log add
# and clock-in one more. Before an open-ended new row's running-timer check rode in its INSERT
# too (and a create's project lookup took the user's lock): entry create, timer start, session
# start and resume, and clock-in one more. Before an owner's session command locked the owner's
# row in the session's lock statement: session start, lap, pause, resume and stop one more. The
# counts are PostgreSQL's.
EXPECTED = {
    "entry_create": 5,
    "entry_update_notes": 6,
    "entry_update_times": 7,
    "entry_delete": 6,
    "timer_start": 6,
    "timer_stop": 6,
    "session_start": 7,
    "session_lap": 11,
    "session_pause": 7,
    "session_resume": 7,
    "session_stop": 7,
    "session_create_2_laps": 12,
    "session_create_20_laps": 12,
    "session_replace_2_laps": 14,
    "session_replace_20_laps": 14,
    "session_log_add": 8,
    "clock_in": 9,
    "clock_out": 8,
}


# What SQLite runs apart that PostgreSQL folds into one statement: a single new row's overlap check
# (in the INSERT), an open-ended one's running-timer check (the same), a create's project lookup
# (in the user's lock), an owner's session command's user lock (in the session's).
SQLITE_MORE = {"entry_create": 2, "timer_start": 2, "session_start": 3, "session_resume": 3, "clock_in": 2,
               "session_log_add": 1, "session_lap": 1, "session_pause": 1, "session_stop": 1}  # fmt: skip


def test_every_write_path_costs_its_known_number_of_queries(user, other_user):
    measured = measure(user, other_user)
    apart = connection.vendor != "postgresql"
    expected = {path: n + (SQLITE_MORE.get(path, 0) if apart else 0) for path, n in EXPECTED.items()}
    changed = {path: (expected[path], n) for path, n in measured.items() if expected[path] != n}
    assert not changed, f"query counts changed (expected, measured): {changed}"


def test_laps_are_checked_in_one_batch_whatever_their_number(user, other_user):
    measured = measure(user, other_user)
    assert measured["session_create_2_laps"] == measured["session_create_20_laps"]
    assert measured["session_replace_2_laps"] == measured["session_replace_20_laps"]
