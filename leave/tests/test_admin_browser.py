"""The approval console in headless Chromium: a manager approves and rejects their reports' leave."""

from datetime import UTC, date, datetime, timedelta

import pytest

from accounts.models import Notification
from accounts.tests.factories import StaffFactory, UserFactory
from config.testing import console_sign_in
from leave.hooks import request_clashes
from leave.models import LeaveLedgerEntry, LeaveRequest
from leave.services import requests as svc
from leave.tests.factories import ledger_row, vacation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _submit(user, start, end):
    return svc.leave_request_submit(actor=user, leave_type=vacation(), start_date=start, end_date=end).request


def _one_appointment(requests):
    """A stand-in for scheduling, which answers leave's request_clashes hook in the real project."""
    start = datetime(2027, 1, 5, 9, tzinfo=UTC)
    clash = {"kind": "appointment", "id": "a1", "start_utc": start, "end_utc": start + timedelta(hours=1)}
    return [[{**clash, "message": "Check-up with Carla on Tue 05 Jan 2027 10:00"}] for _ in requests]


def test_a_manager_approves_a_pending_request_in_the_console(page):
    manager = StaffFactory()
    employee = UserFactory(email="anna@example.com", country="DE", subdivision="BY", manager=manager)
    ledger_row(employee, days=25, year=2027)
    UserFactory(email="someone.else@example.com")
    request = _submit(employee, date(2027, 1, 5), date(2027, 1, 7))
    console_sign_in(page, manager)

    with request_clashes.registered(_one_appointment):
        page.goto("/admin/leave/leaverequest/")
    row = page.locator("#result_list tbody tr", has_text="anna@example.com")
    assert row.count() == 1
    text = row.inner_text()
    assert "2 days" in text and "Pending" in text and "2027: 23 days" in text
    assert "Check-up with Carla on Tue 05 Jan 2027 10:00" in text
    assert "someone.else@example.com" not in page.inner_text("#result_list")

    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "approve_selected")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist")

    assert "Approved: VACATION 2027-01-05" in page.inner_text(".messagelist")
    request.refresh_from_db()
    assert (request.status, request.approver) == ("approved", manager)
    assert LeaveLedgerEntry.objects.get(request=request).days == -2
    assert Notification.objects.filter(user=employee, kind="leave.approved").exists()

    # Approving again (it was decided already) is reported, not done twice.
    page.goto("/admin/leave/leaverequest/?status__exact=approved")
    page.locator("#result_list tbody tr", has_text="anna@example.com").locator("input.action-select").check()
    page.select_option("select[name=action]", "approve_selected")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist")
    assert "Not approved" in page.inner_text(".messagelist")
    assert LeaveLedgerEntry.objects.filter(request=request).count() == 1


def test_a_manager_rejects_with_a_note_on_the_intermediate_page(page):
    manager = StaffFactory()
    employee = UserFactory(email="ben@example.com", manager=manager)
    ledger_row(employee, days=25, year=2027)
    request = _submit(employee, date(2027, 3, 1), date(2027, 3, 2))
    console_sign_in(page, manager)

    page.goto("/admin/leave/leaverequest/")
    page.locator("#result_list tbody tr", has_text="ben@example.com").locator("input.action-select").check()
    page.select_option("select[name=action]", "reject_selected")
    page.click("button[name=index]")
    page.wait_for_selector("textarea[name=note]")
    assert "ben@example.com" in page.inner_text(".requests-to-reject")
    page.fill("textarea[name=note]", "Release week, sorry")
    page.click("input[name=apply]")
    page.wait_for_selector(".messagelist")

    assert "Rejected: VACATION 2027-03-01" in page.inner_text(".messagelist")
    request = LeaveRequest.objects.get(pk=request.pk)
    assert (request.status, request.decision_note) == ("rejected", "Release week, sorry")
