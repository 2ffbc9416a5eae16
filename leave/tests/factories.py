from datetime import date
from decimal import Decimal

import factory

from accounts.tests.factories import UserFactory
from leave.models import Holiday, LeaveLedgerEntry, LeaveRequest, LeaveType, LedgerKind, RequestStatus, WorkPattern


def vacation() -> LeaveType:
    """The VACATION type the data migration created."""
    return LeaveType.objects.get(code="VACATION")


def sick() -> LeaveType:
    return LeaveType.objects.get(code="SICK")


def unpaid() -> LeaveType:
    return LeaveType.objects.get(code="UNPAID")


class LeaveTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeaveType

    code = factory.Sequence(lambda n: f"TYPE{n}")
    name = factory.Sequence(lambda n: f"Leave type {n}")
    annual_days = Decimal("20")


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Holiday

    date = date(2027, 3, 3)
    name = "Company day"


class WorkPatternFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkPattern

    user = factory.SubFactory(UserFactory)
    valid_from = date(2020, 1, 1)
    monday = tuesday = wednesday = thursday = friday = Decimal("8")
    saturday = sunday = Decimal("0")


class LeaveRequestFactory(factory.django.DjangoModelFactory):
    """Written straight to the database (no service checks): for arranging a test's data."""

    class Meta:
        model = LeaveRequest

    user = factory.SubFactory(UserFactory)
    leave_type = factory.LazyFunction(vacation)
    start_date = date(2027, 3, 1)
    end_date = date(2027, 3, 1)
    days = Decimal("1")
    days_by_year = factory.LazyAttribute(lambda r: {str(r.start_date.year): str(r.days)})
    status = RequestStatus.PENDING


def ledger_row(user, *, days, year=2027, kind=LedgerKind.ALLOCATION, leave_type=None, **extra) -> LeaveLedgerEntry:
    return LeaveLedgerEntry.objects.create(
        user=user, leave_type=leave_type or vacation(), year=year, days=Decimal(str(days)), kind=kind, **extra
    )
