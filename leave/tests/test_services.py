"""Request services, the ledger and balances, called directly (the API tests go through the URLs)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import Notification
from accounts.tests.factories import AdminFactory, StaffFactory, UserFactory
from audit.models import Action, AuditEvent
from config.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from leave.hooks import before_approve
from leave.models import LeaveLedgerEntry, LedgerKind, RequestStatus
from leave.selectors.balances import leave_balances
from leave.services import ledger, policy
from leave.services import requests as svc
from leave.tests.factories import HolidayFactory, LeaveRequestFactory, ledger_row, sick, unpaid, vacation

pytestmark = pytest.mark.django_db


def submit(user, start, end, leave_type=None, **kwargs):
    return svc.leave_request_submit(
        actor=user, leave_type=leave_type or vacation(), start_date=start, end_date=end, **kwargs
    ).request


def balance(user, year=2027, code="VACATION"):
    return next(b for b in leave_balances(user=user, year=year) if b.leave_type.code == code)


def test_submit_costs_the_range_and_notifies_the_manager(employee, manager, clock):
    request = submit(employee, date(2027, 1, 5), date(2027, 1, 7))

    assert (request.status, request.days, request.days_by_year) == ("pending", 2, {"2027": "2"})
    note = Notification.objects.get(user=manager)
    assert note.kind == "leave.requested" and note.payload["request"] == str(request.uuid)
    assert (balance(employee).pending, balance(employee).available) == (2, 23)


def test_without_a_manager_the_admins_are_asked(clock):
    user = UserFactory()
    admins = [AdminFactory(), AdminFactory()]
    ledger_row(user, days=5)
    submit(user, date(2027, 3, 1), date(2027, 3, 1))
    assert sorted(n.user_id for n in Notification.objects.filter(kind="leave.requested")) == sorted(
        a.pk for a in admins
    )


def test_a_request_costing_nothing_is_refused(employee, clock):
    HolidayFactory(date=date(2027, 3, 3), half_day=True)
    with pytest.raises(ValidationFailed) as caught:
        submit(employee, date(2027, 3, 3), date(2027, 3, 3), start_half="afternoon")
    assert caught.value.code == "no_working_days"
    with pytest.raises(ValidationFailed):
        submit(employee, date(2027, 3, 6), date(2027, 3, 7))  # a weekend


def test_half_days_are_refused_for_types_without_them(employee, clock):
    with pytest.raises(ValidationFailed) as caught:
        submit(employee, date(2027, 3, 1), date(2027, 3, 2), leave_type=unpaid(), end_half="morning")
    assert caught.value.code == "half_day_not_allowed" and list(caught.value.fields) == ["end_half"]


def test_overlaps_are_refused_but_two_halves_of_one_day_are_not(employee, clock):
    first = submit(employee, date(2027, 3, 1), date(2027, 3, 3), end_half="morning")
    with pytest.raises(Conflict) as caught:
        submit(employee, date(2027, 3, 3), date(2027, 3, 4))
    assert caught.value.code == "overlap" and caught.value.extra["conflicting_request"] == str(first.uuid)

    second = submit(employee, date(2027, 3, 3), date(2027, 3, 4), start_half="afternoon")
    assert second.days == Decimal("1.5")


def test_rejected_and_cancelled_requests_do_not_block(employee, manager, clock):
    first = submit(employee, date(2027, 3, 1), date(2027, 3, 1))
    svc.leave_request_reject(actor=manager, request=first)
    assert submit(employee, date(2027, 3, 1), date(2027, 3, 1)).status == "pending"


def test_balance_is_checked_at_submit_with_the_negative_limit(employee, clock):
    with pytest.raises(Conflict) as caught:
        submit(employee, date(2027, 3, 1), date(2027, 4, 9))  # 28 working days (Easter in Bavaria)
    assert caught.value.code == "insufficient_balance" and caught.value.extra["available"] == 25

    policy.leave_type_update(actor=AdminFactory(), leave_type=vacation(), changes={"negative_limit_days": 5})
    assert submit(employee, date(2027, 3, 1), date(2027, 4, 9)).days == 28
    assert balance(employee).available == -3


def test_approval_takes_the_days_writes_one_audit_row_and_notifies(employee, manager, clock):
    request = submit(employee, date(2027, 1, 5), date(2027, 1, 7))

    decision = svc.leave_request_approve(actor=manager, request=request, note="Enjoy")

    assert decision.request.status == "approved" and decision.warnings == []
    rows = LeaveLedgerEntry.objects.filter(request=request)
    assert [(r.kind, r.year, r.days, r.actor_id) for r in rows] == [("taken", 2027, -2, manager.pk)]
    assert (balance(employee).taken, balance(employee).pending, balance(employee).available) == (2, 0, 23)
    assert AuditEvent.objects.filter(action=Action.LEAVE_REQUEST_APPROVE, target_id=str(request.uuid)).count() == 1
    assert Notification.objects.get(user=employee).kind == "leave.approved"


def test_approval_checks_the_balance_again(employee, manager, clock):
    request = submit(employee, date(2027, 3, 1), date(2027, 3, 5))
    policy.leave_allocation_create(
        actor=AdminFactory(), user=employee, leave_type=vacation(), year=2027, days=Decimal("-22"), kind="adjustment"
    )
    with pytest.raises(Conflict) as caught:
        svc.leave_request_approve(actor=manager, request=request)
    assert caught.value.code == "insufficient_balance" and caught.value.extra["available"] == 3
    request.refresh_from_db()
    assert request.status == "pending" and not LeaveLedgerEntry.objects.filter(request=request).exists()


def test_only_the_manager_or_an_admin_decides_and_never_on_their_own(employee, manager, clock):
    request = submit(employee, date(2027, 3, 1), date(2027, 3, 1))
    with pytest.raises(PermissionDenied):
        svc.leave_request_approve(actor=employee, request=request)
    with pytest.raises(NotFound):
        svc.leave_request_approve(actor=StaffFactory(), request=request)
    own = submit(manager, date(2027, 3, 1), date(2027, 3, 1), leave_type=unpaid())
    with pytest.raises(PermissionDenied):
        svc.leave_request_reject(actor=manager, request=own)
    assert svc.leave_request_approve(actor=AdminFactory(), request=request).request.status == "approved"


def test_a_decided_request_cannot_be_decided_again(employee, manager, clock):
    request = submit(employee, date(2027, 3, 1), date(2027, 3, 1))
    svc.leave_request_reject(actor=manager, request=request, note="Busy week")
    with pytest.raises(Conflict) as caught:
        svc.leave_request_approve(actor=manager, request=request)
    assert caught.value.code == "not_pending" and caught.value.extra["status"] == "rejected"
    assert not LeaveLedgerEntry.objects.filter(request=request).exists()
    assert Notification.objects.get(user=employee, kind="leave.rejected").message.endswith("Note: Busy week")


def test_cancelling_an_approved_request_writes_a_reversal(employee, manager, clock):
    request = submit(employee, date(2027, 1, 5), date(2027, 1, 7))
    svc.leave_request_approve(actor=manager, request=request)
    taken = LeaveLedgerEntry.objects.get(request=request, kind="taken")

    svc.leave_request_cancel(actor=employee, request=request)

    rows = list(LeaveLedgerEntry.objects.filter(request=request).values_list("kind", "days"))
    assert rows == [("taken", Decimal("-2")), ("reversal", Decimal("2"))]
    assert LeaveLedgerEntry.objects.get(pk=taken.pk).days == taken.days  # untouched
    assert (balance(employee).taken, balance(employee).available) == (0, 25)
    assert Notification.objects.filter(user=manager, kind="leave.cancelled").count() == 1


def test_started_leave_is_cancelled_by_the_manager_not_the_owner(employee, manager, clock):
    request = submit(employee, date(2027, 1, 5), date(2027, 1, 7))
    svc.leave_request_approve(actor=manager, request=request)
    clock.set(2027, 1, 6, 8, 0)
    with pytest.raises(Conflict) as caught:
        svc.leave_request_cancel(actor=employee, request=request)
    assert caught.value.code == "already_started"

    svc.leave_request_cancel(actor=manager, request=request, note="Called back")

    assert balance(employee).taken == 0
    assert AuditEvent.objects.filter(action=Action.LEAVE_REQUEST_CANCEL).count() == 1
    assert Notification.objects.filter(user=employee, kind="leave.cancelled").count() == 1


def test_the_owner_withdraws_or_cancels_a_pending_request(employee, manager, clock):
    first = submit(employee, date(2027, 3, 1), date(2027, 3, 1))
    with pytest.raises(PermissionDenied):
        svc.leave_request_cancel(actor=manager, request=first)
    assert svc.leave_request_cancel(actor=employee, request=first).status == "cancelled"
    second = submit(employee, date(2027, 3, 2), date(2027, 3, 2))
    svc.leave_request_delete(actor=employee, request=second)
    assert not type(second).objects.filter(pk=second.pk).exists()
    assert not LeaveLedgerEntry.objects.filter(user=employee, kind="taken").exists()


def test_a_request_over_new_year_takes_each_year_its_own_days(employee, manager, clock):
    ledger_row(employee, days=10, year=2026)
    request = submit(employee, date(2026, 12, 30), date(2027, 1, 4))
    svc.leave_request_approve(actor=manager, request=request)

    rows = sorted(LeaveLedgerEntry.objects.filter(request=request).values_list("year", "days"))
    assert rows == [(2026, Decimal("-2")), (2027, Decimal("-1"))]
    assert (balance(employee, 2026).available, balance(employee, 2027).available) == (8, 24)


def test_sick_leave_is_approved_at_once_and_reported(employee, manager, clock):
    request = submit(employee, date(2026, 12, 1), date(2026, 12, 2), leave_type=sick())  # in the past

    assert (request.status, request.approver, request.days) == ("approved", None, 2)
    assert LeaveLedgerEntry.objects.get(request=request).days == -2
    assert Notification.objects.get(user=manager).kind == "leave.reported"
    assert not AuditEvent.objects.filter(action=Action.LEAVE_REQUEST_APPROVE).exists()


def test_before_approve_checks_warn_or_block(employee, manager, clock):
    request = submit(employee, date(2027, 3, 1), date(2027, 3, 1))
    seen = []

    def warn(leave_request, *, reassign_or_cancel, actor):
        seen.append((leave_request.pk, reassign_or_cancel, actor))
        return ["Two appointments clash.", {"code": "clash", "message": "Check-up at 10:00", "appointment": "a1"}]

    def block(leave_request, *, reassign_or_cancel, actor):
        raise Conflict("An appointment cannot move.", code="appointment_clash")

    with before_approve.registered(block), pytest.raises(Conflict):
        svc.leave_request_approve(actor=manager, request=request)
    request.refresh_from_db()
    assert request.status == "pending"

    with before_approve.registered(warn):
        decision = svc.leave_request_approve(actor=manager, request=request, reassign_or_cancel=True)
    assert seen == [(request.pk, True, manager)]
    assert decision.warnings == [
        {"code": "warning", "message": "Two appointments clash.", "data": {}},
        {"code": "clash", "message": "Check-up at 10:00", "data": {"appointment": "a1"}},
    ]


def test_before_approve_checks_hear_no_approver_when_a_type_is_approved_on_submit(employee, manager, clock):
    seen = []

    def note(leave_request, *, reassign_or_cancel, actor):
        seen.append((leave_request.status, reassign_or_cancel, actor))

    with before_approve.registered(note):
        submit(employee, date(2026, 12, 1), date(2026, 12, 1), leave_type=sick())

    assert seen == [("pending", False, None)]


def test_update_recosts_a_pending_request(employee, manager, clock):
    request = submit(employee, date(2027, 3, 1), date(2027, 3, 1))
    changed = svc.leave_request_update(
        actor=employee, request=request, changes={"end_date": date(2027, 3, 3), "end_half": "morning"}
    )
    assert changed.days == Decimal("2.5")
    svc.leave_request_approve(actor=manager, request=request)
    with pytest.raises(Conflict):
        svc.leave_request_update(actor=employee, request=request, changes={"reason": "late"})
    with pytest.raises(Conflict):
        svc.leave_request_delete(actor=employee, request=request)


def test_approval_costs_the_request_again():
    manager = StaffFactory()
    user = UserFactory(manager=manager)
    ledger_row(user, days=10)
    request = LeaveRequestFactory(user=user, start_date=date(2027, 3, 1), end_date=date(2027, 3, 2), days=2)
    HolidayFactory(date=date(2027, 3, 2), name="New company day")
    svc.leave_request_approve(actor=manager, request=request)
    request.refresh_from_db()
    assert request.days == 1 and LeaveLedgerEntry.objects.get(request=request).days == -1


def test_ledger_rows_are_append_only_and_in_half_day_steps(employee):
    row = LeaveLedgerEntry.objects.get(user=employee)
    row.days = Decimal("30")
    with pytest.raises(ValueError):
        row.save()
    with pytest.raises(ValidationFailed):
        ledger.ledger_append(user=employee, leave_type=vacation(), year=2027, days=Decimal("0.3"), kind="adjustment")
    with pytest.raises(ValueError):
        ledger.ledger_append(user=employee, leave_type=vacation(), year=2027, days=Decimal("1"), kind="taken")


def test_allocations_are_for_admins_and_audited(employee, manager):
    with pytest.raises(PermissionDenied):
        policy.leave_allocation_create(actor=manager, user=employee, leave_type=vacation(), year=2027, days=1)
    admin = AdminFactory()
    row = policy.leave_allocation_create(
        actor=admin, user=employee, leave_type=vacation(), year=2027, days=Decimal("1.5"), note="Moving day"
    )
    assert (row.kind, row.days, row.actor) == (LedgerKind.ALLOCATION, Decimal("1.5"), admin)
    assert AuditEvent.objects.get(action=Action.LEAVE_ALLOCATION).changes["days"] == "1.5"
    assert balance(employee).allocated == Decimal("26.5")


def test_balances_cost_the_same_queries_whatever_the_number_of_rows(employee, django_assert_num_queries):
    with django_assert_num_queries(3):
        few = balance(employee)
    for _ in range(60):
        ledger_row(employee, days=1, kind="adjustment")
        ledger_row(employee, days=-1, kind="adjustment")
    LeaveRequestFactory.create_batch(5, user=employee, status=RequestStatus.PENDING)
    with django_assert_num_queries(3):
        many = balance(employee)
    assert few.remaining == many.remaining == 25
    assert many.pending == 5 and many.available == 20


@pytest.mark.postgres
def test_postgresql_refuses_to_update_or_delete_ledger_rows(employee):
    from django.db import IntegrityError, transaction

    row = LeaveLedgerEntry.objects.get(user=employee)
    for sql in (
        "UPDATE leave_leaveledgerentry SET days = 99 WHERE id = %s",
        "DELETE FROM leave_leaveledgerentry WHERE id = %s",
    ):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [row.pk])
    with pytest.raises(IntegrityError), transaction.atomic():
        LeaveLedgerEntry.objects.filter(pk=row.pk).update(days=99)
    assert LeaveLedgerEntry.objects.get(pk=row.pk).days == 25


def test_the_decision_reaches_the_requester_by_email_once_committed(
    employee, manager, clock, mailoutbox, django_capture_on_commit_callbacks
):
    from accounts.models import UserSettings

    UserSettings.objects.create(user=employee, notification_preferences={"email": True, "muted_kinds": []})
    request = submit(employee, date(2027, 3, 1), date(2027, 3, 1))
    with django_capture_on_commit_callbacks(execute=True):
        svc.leave_request_approve(actor=manager, request=request)
    assert [m.to for m in mailoutbox] == [[employee.email]]
    assert "approved" in mailoutbox[0].body
