"""The approval console through Django's test client (the browser test drives the same pages)."""

from datetime import UTC, date, datetime

import pytest
from django.contrib.admin import helpers
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import PASSWORD, AdminFactory, UserFactory
from audit.models import Action, AuditEvent
from leave.hooks import request_clashes
from leave.models import LeaveLedgerEntry, RequestStatus
from leave.services import requests as svc
from leave.tests.factories import LeaveRequestFactory, ledger_row, vacation

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/leave/leaverequest/"


@pytest.fixture
def team(manager):
    alice = UserFactory(email="alice@example.com", manager=manager)
    bob = UserFactory(email="bob@example.com", manager=manager)
    for person in (alice, bob):
        ledger_row(person, days=10)
    return alice, bob


def signed_in(client, user):
    assert client.login(username=user.email, password=PASSWORD)
    return client


def test_staff_see_their_reports_requests_pending_first_with_balance_and_teammates(client, manager, team):
    alice, bob = team
    approved = LeaveRequestFactory(
        user=alice, start_date=date(2027, 3, 1), end_date=date(2027, 3, 1), status=RequestStatus.APPROVED
    )
    ledger_row(alice, days=-1, kind="taken", request=approved)
    pending = LeaveRequestFactory(user=alice, start_date=date(2027, 3, 8), end_date=date(2027, 3, 10), days=3)
    LeaveRequestFactory(user=bob, start_date=date(2027, 3, 9), end_date=date(2027, 3, 9))
    LeaveRequestFactory(user=UserFactory(email="stranger@example.com"), start_date=date(2027, 3, 9))

    page = signed_in(client, manager).get(CHANGELIST)

    assert page.status_code == 200
    rows = page.context["cl"].result_list
    assert [r.user.email for r in rows] == ["alice@example.com", "bob@example.com", "alice@example.com"]
    assert [r.status for r in rows] == ["pending", "pending", "approved"]
    first = rows[0]
    assert first.pk == pending.pk and first.teammates_off == 1  # Bob, on the 9th
    # 10 allocated, 1 taken, 3 pending: 6 left once this request is approved.
    assert page.context["cl"].model_admin.available_after_approval(first) == "2027: 6 days"
    assert "stranger@example.com" not in page.content.decode()


def test_the_changelist_costs_the_same_queries_for_more_rows(client, manager, team):
    alice, bob = team
    signed_in(client, manager)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(CHANGELIST).status_code == 200
        return len(queries)

    LeaveRequestFactory(user=alice)
    few = count()
    LeaveRequestFactory.create_batch(6, user=bob)
    LeaveRequestFactory.create_batch(6, user=alice)
    assert count() == few


def _clashes_named(asked: list):
    """A stand-in for a registered app: one clash per request, naming its requester."""

    def clashes(requests):
        asked.append([r.pk for r in requests])
        return [
            [
                {
                    "kind": "appointment",
                    "id": "a1",
                    "start_utc": datetime(2027, 3, 8, 9, tzinfo=UTC),
                    "end_utc": datetime(2027, 3, 8, 10, tzinfo=UTC),
                    "message": f"Check-up <b>with</b> {r.user.email}",
                }
            ]
            for r in requests
        ]

    return clashes


def test_the_console_shows_what_other_apps_find_clashing_on_each_request(client, manager, team):
    alice, bob = team
    pending = LeaveRequestFactory(user=alice, start_date=date(2027, 3, 8), end_date=date(2027, 3, 8))
    rejected = LeaveRequestFactory(user=bob, status=RequestStatus.REJECTED)
    asked: list = []
    signed_in(client, manager)

    with request_clashes.registered(_clashes_named(asked)):
        listed = client.get(CHANGELIST)
        shown = client.get(f"{CHANGELIST}{pending.pk}/change/")
        decided = client.get(f"{CHANGELIST}{rejected.pk}/change/")

    assert asked == [[pending.pk], [pending.pk]]  # once per page; a decided request is not asked about
    rows = listed.context["cl"].result_list
    assert [r.clashes[0]["message"] if r.clashes else None for r in rows] == [
        "Check-up <b>with</b> alice@example.com",
        None,
    ]
    assert "Check-up &lt;b&gt;with&lt;/b&gt; alice@example.com" in listed.content.decode()
    assert shown.status_code == 200
    assert "Check-up &lt;b&gt;with&lt;/b&gt; alice@example.com" in shown.content.decode()
    assert decided.status_code == 200 and "Check-up" not in decided.content.decode()


def test_the_console_asks_about_clashes_once_per_page(client, manager, team):
    alice, bob = team
    asked: list = []
    signed_in(client, manager)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(CHANGELIST).status_code == 200
        return len(queries)

    with request_clashes.registered(_clashes_named(asked)):
        LeaveRequestFactory(user=alice)
        few = count()
        LeaveRequestFactory.create_batch(6, user=bob)

        assert count() == few
    assert [len(pks) for pks in asked] == [1, 7]


def test_approve_selected_reports_each_row_and_never_approves_twice(client, manager, team):
    alice, bob = team
    first = LeaveRequestFactory(user=alice, start_date=date(2027, 3, 1), end_date=date(2027, 3, 1))
    second = LeaveRequestFactory(user=bob, start_date=date(2027, 3, 2), end_date=date(2027, 3, 2))
    svc.leave_request_approve(actor=AdminFactory(), request=second)  # decided meanwhile by someone else

    response = signed_in(client, manager).post(
        CHANGELIST,
        {"action": "approve_selected", helpers.ACTION_CHECKBOX_NAME: [first.pk, second.pk]},
        follow=True,
    )

    texts = [str(m) for m in response.context["messages"]]
    assert any(t.startswith("Approved: VACATION 2027-03-01") for t in texts)
    assert any(t.startswith("Not approved: VACATION 2027-03-02") and "approved" in t for t in texts)
    assert LeaveLedgerEntry.objects.filter(request=second, kind="taken").count() == 1
    assert LeaveLedgerEntry.objects.filter(request=first, kind="taken").count() == 1
    assert AuditEvent.objects.filter(action=Action.LEAVE_REQUEST_APPROVE, actor=manager).count() == 1


def test_reject_selected_asks_for_a_note_first(client, manager, team):
    alice, _ = team
    leave_request = LeaveRequestFactory(user=alice)
    signed_in(client, manager)
    selection = {"action": "reject_selected", helpers.ACTION_CHECKBOX_NAME: [leave_request.pk]}

    asked = client.post(CHANGELIST, selection)
    assert asked.status_code == 200 and b"Reject these requests?" in asked.content
    missing = client.post(CHANGELIST, {**selection, "apply": "1", "note": ""})
    assert missing.status_code == 200 and missing.context["form"].errors
    done = client.post(CHANGELIST, {**selection, "apply": "1", "note": "Release week"}, follow=True)

    leave_request.refresh_from_db()
    assert (leave_request.status, leave_request.decision_note, leave_request.approver) == (
        "rejected",
        "Release week",
        manager,
    )
    assert any(str(m).startswith("Rejected:") for m in done.context["messages"])


def test_staff_cannot_open_the_policy_pages(client, manager):
    signed_in(client, manager)
    for page in ("leavetype", "holiday", "workpattern", "leaveledgerentry"):
        assert client.get(f"/admin/leave/{page}/").status_code == 403


def test_admins_add_an_adjustment_and_ledger_rows_stay_read_only(client, team):
    alice, _ = team
    admin = AdminFactory()
    signed_in(client, admin)
    form = {"user": alice.pk, "leave_type": vacation().pk, "year": 2027, "kind": "adjustment", "days": "-1.5"}

    added = client.post("/admin/leave/leaveledgerentry/add/", {**form, "note": "Correction"})
    refused = client.post("/admin/leave/leaveledgerentry/add/", {**form, "days": "0.3"}, follow=True)

    assert added.status_code == 302
    row = LeaveLedgerEntry.objects.get(kind="adjustment")
    assert (row.days, row.actor, row.note) == (-1.5, admin, "Correction")
    assert refused.status_code == 200 and LeaveLedgerEntry.objects.filter(kind="adjustment").count() == 1
    detail = client.get(f"/admin/leave/leaveledgerentry/{row.pk}/change/")
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    assert client.post(f"/admin/leave/leaveledgerentry/{row.pk}/delete/").status_code == 403


def test_admins_keep_types_and_holidays_through_the_services(client):
    admin = AdminFactory()
    signed_in(client, admin)
    client.post(
        "/admin/leave/holiday/add/", {"date": "2027-12-24", "name": "Christmas Eve", "country": "DE", "half_day": "on"}
    )
    bad = client.post("/admin/leave/holiday/add/", {"date": "2027-12-31", "name": "Eve", "country": "XX"}, follow=True)
    assert any("No public-holiday calendar" in str(m) for m in bad.context["messages"])
    assert AuditEvent.objects.filter(action=Action.HOLIDAY_CHANGE).count() == 1

    leave_type = vacation()
    change = {
        "code": "VACATION",
        "name": "Annual leave",
        "color": "#4CAF50",
        "paid": "on",
        "requires_approval": "on",
        "deducts_balance": "on",
        "half_day_allowed": "on",
        "annual_days": "28",
        "accrual": "yearly",
        "carry_over_max_days": "5",
        "carry_over_expires_month": "3",
        "negative_limit_days": "0",
        "active": "on",
    }
    assert client.post(f"/admin/leave/leavetype/{leave_type.pk}/change/", change).status_code == 302
    leave_type.refresh_from_db()
    assert (leave_type.name, leave_type.annual_days, leave_type.carry_over_expires_month) == ("Annual leave", 28, 3)
    assert AuditEvent.objects.get(action=Action.LEAVE_TYPE_CHANGE).changes["annual_days"] == ["25.0", "28"]
