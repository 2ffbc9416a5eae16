from datetime import date, timedelta
from decimal import Decimal
from importlib import import_module

import factory

from accounts.tests.factories import UserFactory
from leave.models import Holiday, LeaveLedgerEntry, LeaveRequest, LeaveType, LedgerKind, RequestStatus, WorkPattern


def ensure_default_leave_types() -> None:
    """The three types the data migration creates (a transactional test's flush removes them)."""
    defaults = import_module("leave.migrations.0002_default_leave_types").DEFAULTS
    for values in defaults:
        LeaveType.objects.get_or_create(code=values["code"], defaults=values)


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
    # A new day for each request, so arranged requests never overlap (PostgreSQL refuses that).
    start_date = factory.Sequence(lambda n: date(2027, 3, 1) + timedelta(days=n % 250))
    end_date = factory.LazyAttribute(lambda r: r.start_date)
    days = Decimal("1")
    days_by_year = factory.LazyAttribute(lambda r: {str(r.start_date.year): str(r.days)})
    status = RequestStatus.PENDING


def ledger_row(user, *, days, year=2027, kind=LedgerKind.ALLOCATION, leave_type=None, **extra) -> LeaveLedgerEntry:
    return LeaveLedgerEntry.objects.create(
        user=user, leave_type=leave_type or vacation(), year=year, days=Decimal(str(days)), kind=kind, **extra
    )
