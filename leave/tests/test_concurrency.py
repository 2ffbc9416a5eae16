"""Races over real transactions: threads, each with its own database connection, on SQLite and
PostgreSQL; the PostgreSQL-only test takes the service's lock and check away to prove the
exclusion constraint holds on its own."""

from collections import Counter
from datetime import date

import pytest
from django.db import OperationalError

from accounts.tests.factories import AdminFactory, StaffFactory, UserFactory
from audit.models import AuditEvent
from config.errors import ApplicationError, is_concurrent_write
from config.testing import race
from leave.models import LeaveLedgerEntry, LeaveRequest
from leave.services import requests as svc
from leave.tests.factories import LeaveRequestFactory, ledger_row, vacation

pytestmark = pytest.mark.django_db(transaction=True)


def outcome(call) -> str:
    try:
        call()
    except ApplicationError as exc:
        return exc.code
    except OperationalError as exc:
        if is_concurrent_write(exc):  # a deadlock PostgreSQL broke: the API's retryable 409
            return "concurrent_write"
        raise
    return "ok"


def test_twenty_concurrent_decisions_give_one_decision_and_one_ledger_row_every_time():
    manager = StaffFactory()
    admin = AdminFactory()
    user = UserFactory(manager=manager)
    ledger_row(user, days=200)
    violations = []
    for repetition in range(50):
        request = LeaveRequestFactory(user=user, start_date=date(2027, 1, 4), end_date=date(2027, 1, 4))
        calls = []
        for i in range(20):
            actor = manager if i % 2 else admin
            if i % 4 < 2:
                calls.append(lambda a=actor, r=request: outcome(lambda: svc.leave_request_approve(actor=a, request=r)))
            else:
                calls.append(lambda a=actor, r=request: outcome(lambda: svc.leave_request_reject(actor=a, request=r)))

        results = Counter(race(calls))

        request.refresh_from_db()
        taken = LeaveLedgerEntry.objects.filter(request=request).count()
        audits = AuditEvent.objects.filter(target_id=str(request.uuid)).count()
        expected_taken = 1 if request.status == "approved" else 0
        if results != Counter({"ok": 1, "not_pending": 19}) or taken != expected_taken or audits != 1:
            violations.append((repetition, dict(results), request.status, taken, audits))
        # Free the day for the next round (the request stays, decided; cancel an approval).
        if request.status == "approved":
            svc.leave_request_cancel(actor=admin, request=request)
    assert violations == []


def submit(user, start, end):
    return outcome(lambda: svc.leave_request_submit(actor=user, leave_type=vacation(), start_date=start, end_date=end))


def test_ten_concurrent_overlapping_submits_make_one_request():
    user = UserFactory()
    ledger_row(user, days=25)
    calls = [lambda i=i: submit(user, date(2027, 3, 1 + i % 3), date(2027, 3, 3 + i % 3)) for i in range(10)]

    results = Counter(race(calls))

    assert results == Counter({"ok": 1, "overlap": 9})
    assert LeaveRequest.objects.filter(user=user).count() == 1


def test_concurrent_submits_cannot_both_spend_the_last_days():
    user = UserFactory()
    ledger_row(user, days=3)

    results = race(
        [
            lambda: submit(user, date(2027, 3, 1), date(2027, 3, 3)),
            lambda: submit(user, date(2027, 3, 8), date(2027, 3, 10)),
        ]
    )

    assert sorted(results) == ["insufficient_balance", "ok"]


@pytest.mark.postgres
def test_the_exclusion_constraint_refuses_the_overlap_the_service_did_not_see(monkeypatch):
    monkeypatch.setattr(svc, "lock_user", lambda user: None)
    monkeypatch.setattr(svc, "check_overlap", lambda *args, **kwargs: None)
    user = UserFactory()
    ledger_row(user, days=100)

    for round_ in range(5):  # the unlocked checks pass together more often than not; every round must hold
        start = date(2027, 3, 1 + 7 * round_)
        results = race([lambda s=start: submit(user, s, s), lambda s=start: submit(user, s, s)])
        assert sorted(results) in (["ok", "overlap"], ["concurrent_write", "ok"])
        assert LeaveRequest.objects.filter(user=user, start_date=start).count() == 1


def test_over_http_twenty_decisions_give_one_winner_and_ten_overlapping_submits_one_request():
    from config.testing import bearer_client, statuses

    manager = StaffFactory()
    admin = AdminFactory()
    user = UserFactory(manager=manager)
    ledger_row(user, days=25)
    body = {"type": "VACATION", "start_date": "2027-03-01", "end_date": "2027-03-03"}
    submitters = [bearer_client(user) for _ in range(10)]

    submitted = race([lambda c=c: c.post("/api/v1/leave/requests/", body) for c in submitters])

    assert statuses(submitted) == [201] + [409] * 9
    request_id = next(r for r in submitted if r.status_code == 201).json()["id"]
    deciders = [(bearer_client(manager if i % 2 else admin), "approve" if i % 4 < 2 else "reject") for i in range(20)]
    decided = race(
        [lambda c=c, verb=verb: c.post(f"/api/v1/leave/requests/{request_id}/{verb}/") for c, verb in deciders]
    )

    assert statuses(decided) == [200] + [409] * 19
    request = LeaveRequest.objects.get(uuid=request_id)
    assert LeaveLedgerEntry.objects.filter(request=request).count() == (1 if request.status == "approved" else 0)
    assert AuditEvent.objects.filter(target_id=request_id).count() == 1
