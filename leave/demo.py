"""Demo leave for `manage.py seed_demo`: two company half days, this and next year's vacation
allowance for the demo people, a pending request of alice's for her manager (staff@example.com)
to approve in the console, and an approved one of bob's.

Idempotent: holidays are added once by date, an allowance once per person and year, and the
requests only while alice and bob have none. Written through the services, so the demo obeys the
same rules (working days, holidays, balances) as real data."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from leave.models import Holiday, LeaveLedgerEntry, LeaveRequest, LeaveType, LedgerKind
from leave.selectors.days import local_today
from leave.services.policy import holiday_create, leave_allocation_create
from leave.services.requests import leave_request_approve, leave_request_submit

PEOPLE = ["staff@example.com", "alice@example.com", "bob@example.com"]
ALLOWANCE = Decimal(25)
# (month, day, name): company-wide afternoons off, this year and next.
HALF_DAYS = [(12, 24, "Christmas Eve (afternoon)"), (12, 31, "New Year's Eve (afternoon)")]


def _monday_after(day: date, weeks: int) -> date:
    return day + timedelta(days=7 * weeks - day.weekday())


def _holidays(admin: User, years: list[int]) -> int:
    added = 0
    for year in years:
        for month, day, name in HALF_DAYS:
            on = date(year, month, day)
            if not Holiday.objects.filter(date=on, country="", subdivision="").exists():
                holiday_create(actor=admin, date=on, name=name, half_day=True)
                added += 1
    return added


def _allowances(admin: User, people: list[User], vacation: LeaveType, years: list[int]) -> int:
    added = 0
    for person in people:
        for year in years:
            given = LeaveLedgerEntry.objects.filter(
                user=person, leave_type=vacation, year=year, kind=LedgerKind.ALLOCATION
            ).exists()
            if not given:
                leave_allocation_create(
                    actor=admin,
                    user=person,
                    leave_type=vacation,
                    year=year,
                    days=ALLOWANCE,
                    note="Demo allowance",
                )
                added += 1
    return added


def seed(stdout) -> None:
    admin = User.objects.filter(email="admin@example.com").first()
    people = list(User.objects.filter(email__in=PEOPLE).order_by("email"))
    vacation = LeaveType.objects.filter(code="VACATION", active=True).first()
    if admin is None or len(people) < len(PEOPLE) or vacation is None:
        stdout.write("Leave demo skipped: run the accounts demo first (and keep the VACATION type).")
        return
    by_email = {person.email: person for person in people}
    alice, bob, manager = by_email["alice@example.com"], by_email["bob@example.com"], by_email["staff@example.com"]
    today = local_today(alice, timezone.now())
    years = [today.year, today.year + 1]
    holidays = _holidays(admin, years)
    allowances = _allowances(admin, people, vacation, years)
    stdout.write(f"Leave demo: {holidays} company half days and {allowances} allowances added.")
    if LeaveRequest.objects.filter(user__in=[alice, bob]).exists():
        stdout.write("  alice's and bob's requests already present; nothing changed.")
        return
    # Alice asks for Monday to Wednesday in three weeks: pending, for Sam Staff to approve.
    start = _monday_after(today, 3)
    leave_request_submit(
        actor=alice, leave_type=vacation, start_date=start, end_date=start + timedelta(days=2), reason="Family visit"
    )
    # Bob's Thursday and Friday in five weeks, already approved by Sam Staff.
    start = _monday_after(today, 5) + timedelta(days=3)
    decision = leave_request_submit(
        actor=bob, leave_type=vacation, start_date=start, end_date=start + timedelta(days=1), reason="Long weekend"
    )
    leave_request_approve(actor=manager, request=decision.request, note="Enjoy!")
    stdout.write(f"  alice: a pending request for {manager.email} to approve; bob: an approved one.")
