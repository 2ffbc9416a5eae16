from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from leave.models import Holiday, LeaveLedgerEntry, LeaveRequest, RequestStatus
from leave.selectors.balances import leave_balances

pytestmark = pytest.mark.django_db


def test_demo_leave_is_created_once_with_a_request_for_the_manager():
    call_command("seed_demo", stdout=StringIO())
    counts = (Holiday.objects.count(), LeaveLedgerEntry.objects.count(), LeaveRequest.objects.count())
    call_command("seed_demo", stdout=StringIO())

    assert (Holiday.objects.count(), LeaveLedgerEntry.objects.count(), LeaveRequest.objects.count()) == counts
    assert Holiday.objects.filter(half_day=True).count() == 4  # two afternoons, this year and next
    alice = LeaveRequest.objects.get(user__email="alice@example.com")
    assert alice.status == RequestStatus.PENDING and alice.days > 0
    assert alice.user.manager.email == "staff@example.com"
    bob = LeaveRequest.objects.get(user__email="bob@example.com")
    assert (bob.status, bob.approver.email) == (RequestStatus.APPROVED, "staff@example.com")
    for year, days in bob.days_by_year.items():  # two years when the days straddle New Year
        (vacation,) = [b for b in leave_balances(user=bob.user, year=int(year)) if b.leave_type.code == "VACATION"]
        assert vacation.taken == Decimal(days) and vacation.available == 25 - Decimal(days)
