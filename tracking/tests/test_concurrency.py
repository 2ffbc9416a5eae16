"""Races over real transactions: threads, each with its own database connection. They run on
SQLite and PostgreSQL; the PostgreSQL-only ones prove the database constraints hold even when the
service's own lock is taken away."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from config.testing import bearer_client as bearer
from config.testing import race, statuses
from tracking.models import TimeEntry
from tracking.services import entries, gate
from tracking.tests.factories import ProjectFactory, SessionFactory, TimeEntryFactory, at

URL = "/api/v1/time-entries/"


@pytest.mark.django_db(transaction=True)
def test_concurrent_timer_starts_give_exactly_one_201():
    user = UserFactory()
    clients = [bearer(user) for _ in range(5)]

    responses = race([lambda c=c: c.post(f"{URL}start/") for c in clients])

    assert statuses(responses) == [201, 409, 409, 409, 409]
    assert TimeEntry.objects.filter(user=user, end__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("project", [None, "RACE"], ids=["no project", "a project (its lookup takes the lock)"])
def test_concurrent_overlapping_creates_give_one_201_and_one_409(project):
    user = UserFactory()
    first, second = bearer(user), bearer(user)
    named = {"project_code": ProjectFactory(code=project).code} if project else {}
    a = {"start_utc": "2025-09-15T09:00:00Z", "end_utc": "2025-09-15T11:00:00Z", **named}
    b = {"start_utc": "2025-09-15T10:00:00Z", "end_utc": "2025-09-15T12:00:00Z", **named}

    responses = race([lambda: first.post(URL, a), lambda: second.post(URL, b)])

    assert statuses(responses) == [201, 409]
    loser = next(r for r in responses if r.status_code == 409).json()["error"]
    winner = TimeEntry.objects.get(user=user)
    assert loser["code"] == "overlap" and loser["conflicting_entry"] == str(winner.uuid)


@pytest.mark.django_db(transaction=True)
def test_concurrent_session_starts_leave_one_running_lap():
    user = UserFactory()
    sessions = [SessionFactory(owner=user) for _ in range(3)]
    clients = [bearer(user) for _ in sessions]

    responses = race(
        [lambda c=c, s=s: c.post(f"/api/v1/sessions/{s.uuid}/start/") for c, s in zip(clients, sessions, strict=True)]
    )

    assert statuses(responses) == [200, 409, 409]
    assert TimeEntry.objects.filter(user=user, end__isnull=True).count() == 1


@pytest.fixture
def without_user_lock(monkeypatch):
    """Take the services' user-row lock away, so only the database constraints stand between
    two racing writers (a create's lock is the gate's, taken with its project lookup when the
    entry names a project; these entries name none)."""
    monkeypatch.setattr(entries, "lock_user", lambda user: None)
    monkeypatch.setattr(gate, "lock_user", lambda user: None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_exclusion_constraint_refuses_the_overlap_the_service_did_not_see(without_user_lock):
    user = UserFactory()
    first, second = bearer(user), bearer(user)
    a = {"start_utc": "2025-09-15T09:00:00Z", "end_utc": "2025-09-15T11:00:00Z"}
    b = {"start_utc": "2025-09-15T10:00:00Z", "end_utc": "2025-09-15T12:00:00Z"}

    for _ in range(3):  # the unlocked checks pass together more often than not; every round must hold
        TimeEntry.objects.filter(user=user).delete()
        responses = race([lambda: first.post(URL, a), lambda: second.post(URL, b)])
        assert statuses(responses) == [201, 409]
        # Two unlocked inserts can each wait on the other's exclusion check; PostgreSQL then
        # aborts one as a deadlock, which the API reports as a retryable conflict.
        loser = next(r for r in responses if r.status_code == 409).json()["error"]["code"]
        assert loser in {"overlap", "concurrent_write"}
        assert TimeEntry.objects.filter(user=user).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_partial_unique_index_refuses_the_second_timer_the_service_did_not_see(without_user_lock):
    user = UserFactory()
    clients = [bearer(user) for _ in range(4)]

    responses = race([lambda c=c: c.post(f"{URL}start/") for c in clients])

    assert statuses(responses) == [201, 409, 409, 409]
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"timer_running"}
    assert TimeEntry.objects.filter(user=user, end__isnull=True).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_database_refuses_an_overlapping_row_written_past_the_service():
    user = UserFactory()
    TimeEntryFactory(user=user, start=at(0, 9), end=at(0, 11))
    with pytest.raises(IntegrityError, match="tracking_entry_no_overlap"), transaction.atomic():
        TimeEntryFactory(user=user, start=at(0, 10), end=at(0, 12))
    with pytest.raises(IntegrityError, match="tracking_entry_no_overlap"), transaction.atomic():
        TimeEntryFactory(user=user, start=at(0, 8), end=None)  # open-ended, from before it
    # Touching is fine, another user is fine, and a non-exclusive row never conflicts.
    TimeEntryFactory(user=user, start=at(0, 11), end=at(0, 12))
    TimeEntryFactory(start=at(0, 9), end=at(0, 11))
    TimeEntryFactory(user=user, start=at(0, 9), end=at(0, 12), exclusive=False)
    assert TimeEntry.objects.filter(user=user).count() == 3


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_running_row_blocks_everything_after_its_start():
    user = UserFactory()
    TimeEntryFactory(user=user, start=timezone.now(), end=None)
    with pytest.raises(IntegrityError, match="tracking_entry_no_overlap"), transaction.atomic():
        TimeEntryFactory(user=user, start=timezone.now(), end=timezone.now() + timedelta(hours=1))
