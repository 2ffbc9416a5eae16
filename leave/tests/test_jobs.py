"""The leave jobs: each writes its rows once, however often and however concurrently it runs."""

from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.tests.factories import UserFactory
from config.testing import race
from leave.models import LeaveLedgerEntry, LedgerKind, RequestStatus
from leave.services import jobs
from leave.tests.factories import LeaveRequestFactory, LeaveTypeFactory, ledger_row, vacation

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ledger() -> list[tuple]:
    return sorted(LeaveLedgerEntry.objects.values_list("user_id", "leave_type__code", "kind", "year", "period", "days"))


@pytest.mark.django_db
def test_the_yearly_grant_gives_each_active_user_their_days_once():
    veteran = UserFactory(date_joined=LONG_AGO)
    joined_mid_march = UserFactory(date_joined=at(2027, 3, 15, 12))
    joined_first_of_march = UserFactory(date_joined=at(2027, 3, 1, 12))
    UserFactory(date_joined=LONG_AGO, is_active=False)
    UserFactory(date_joined=at(2028, 2, 1))  # joins after the year

    report = jobs.leave_grant_yearly(now=at(2027, 1, 1, 6))
    assert report.already == 0
    first = ledger()
    jobs.leave_grant_yearly(now=at(2027, 6, 1))

    assert ledger() == first
    grants = dict(LeaveLedgerEntry.objects.filter(year=2027, kind="allocation").values_list("user_id", "days"))
    # 25 days a year: 9 full months left → 18.75 → 19; 10 months → 20.83 → 21.
    assert grants == {veteran.pk: 25, joined_mid_march.pk: 19, joined_first_of_march.pk: 21}
    assert {row[1] for row in first} == {"VACATION"}  # SICK and UNPAID have no balance
    assert {row[4] for row in first} == {"2027"}


@pytest.mark.django_db
def test_the_grant_can_run_ahead_for_next_year_and_follows_the_users_new_year():
    user = UserFactory(date_joined=LONG_AGO, timezone="Pacific/Kiritimati")  # UTC+14
    late = UserFactory(date_joined=LONG_AGO, timezone="America/Los_Angeles")
    jobs.leave_grant_yearly(now=at(2027, 12, 31, 12))  # already 1 January 2028 in Kiritimati
    assert set(LeaveLedgerEntry.objects.values_list("user_id", "year")) == {(user.pk, 2028), (late.pk, 2027)}

    out = StringIO()
    call_command("leave_grant_yearly", "--year", "2028", stdout=out)
    assert "wrote 1 ledger rows (+25.0 days); 1 were there already" in out.getvalue()
    assert LeaveLedgerEntry.objects.filter(year=2028).count() == 2


@pytest.mark.django_db
def test_monthly_accrual_sums_to_the_annual_days_and_runs_once_per_month():
    monthly = LeaveTypeFactory(code="FLEX", annual_days=Decimal("25"), accrual="monthly")
    user = UserFactory(date_joined=LONG_AGO)

    for month in range(1, 13):
        jobs.leave_accrue(now=at(2027, month, 2))
        jobs.leave_accrue(now=at(2027, month, 20))
    rows = list(LeaveLedgerEntry.objects.filter(user=user, leave_type=monthly).order_by("period"))

    assert [row.period for row in rows] == [f"2027-{m:02d}" for m in range(1, 13)]
    assert sum(row.days for row in rows) == 25
    assert all(row.days * 2 == int(row.days * 2) and row.kind == "accrual" for row in rows)
    assert {row.days for row in rows} == {Decimal("2"), Decimal("2.5")}


@pytest.mark.django_db
def test_accrual_catches_up_missed_months_but_not_months_before_joining():
    LeaveTypeFactory(code="FLEX", annual_days=Decimal("12"), accrual="monthly")
    veteran = UserFactory(date_joined=LONG_AGO)
    newcomer = UserFactory(date_joined=at(2027, 4, 10))

    lines = []
    report = jobs.leave_accrue(year=2027, now=at(2028, 1, 5), progress=lines.append)

    assert len(report.written) == len(lines) == 20  # 12 + May..December
    assert LeaveLedgerEntry.objects.filter(user=veteran).count() == 12
    assert sorted(LeaveLedgerEntry.objects.filter(user=newcomer).values_list("period", flat=True))[0] == "2027-05"


@pytest.fixture
def carried_type():
    leave_type = vacation()
    leave_type.carry_over_max_days = Decimal("5")
    leave_type.carry_over_expires_month = 3
    leave_type.save()
    return leave_type


@pytest.mark.django_db
def test_carry_over_takes_up_to_the_maximum_into_the_next_year(carried_type):
    plenty = UserFactory(date_joined=LONG_AGO)
    little = UserFactory(date_joined=LONG_AGO)
    overdrawn = UserFactory(date_joined=LONG_AGO)
    ledger_row(plenty, days=25, year=2026)
    ledger_row(plenty, days=-18, year=2026, kind="adjustment")  # 7 unused
    ledger_row(little, days=2.5, year=2026)
    ledger_row(overdrawn, days=-1, year=2026, kind="adjustment")

    jobs.leave_carry_over(now=at(2027, 1, 1, 3))
    first = ledger()
    jobs.leave_carry_over(now=at(2027, 1, 2))
    call_command("leave_carry_over", "--year", "2026", stdout=StringIO())

    assert ledger() == first
    carried = dict(LeaveLedgerEntry.objects.filter(kind="carry_over").values_list("user_id", "days"))
    assert carried == {plenty.pk: 5, little.pk: Decimal("2.5")}
    assert set(LeaveLedgerEntry.objects.filter(kind="carry_over").values_list("year", "period")) == {(2027, "2027")}


@pytest.mark.django_db
def test_unused_carried_days_expire_after_their_month_carried_days_used_first(carried_type):
    user = UserFactory(date_joined=LONG_AGO)
    ledger_row(user, days=25, year=2027)
    ledger_row(user, days=5, year=2027, kind=LedgerKind.CARRY_OVER, period="2027")
    # Three days in February (used before the end of March), two in April (after it).
    february = LeaveRequestFactory(
        user=user, start_date=date(2027, 2, 8), end_date=date(2027, 2, 10), days=3, status=RequestStatus.APPROVED
    )
    ledger_row(user, days=-3, year=2027, kind="taken", request=february)
    april = LeaveRequestFactory(
        user=user, start_date=date(2027, 3, 31), end_date=date(2027, 4, 1), days=2, status=RequestStatus.APPROVED
    )
    ledger_row(user, days=-2, year=2027, kind="taken", request=april)

    assert jobs.leave_expire_carry_over(now=at(2027, 3, 31, 12)).written == []  # March is not over
    jobs.leave_expire_carry_over(now=at(2027, 4, 1, 6))
    first = ledger()
    jobs.leave_expire_carry_over(now=at(2027, 5, 1))
    call_command("leave_expire_carry_over", "--year", "2027", stdout=StringIO())

    assert ledger() == first
    expiry = LeaveLedgerEntry.objects.get(kind="expiry")
    # 5 carried, 4 taken by 31 March (3 in February, 31 March itself): 1 expires.
    assert (expiry.days, expiry.year, expiry.period) == (-1, 2027, "2027")


@pytest.mark.django_db
def test_expiry_never_takes_back_days_already_approved(carried_type):
    user = UserFactory(date_joined=LONG_AGO)
    ledger_row(user, days=2, year=2027)
    ledger_row(user, days=5, year=2027, kind=LedgerKind.CARRY_OVER, period="2027")
    summer = LeaveRequestFactory(
        user=user, start_date=date(2027, 7, 5), end_date=date(2027, 7, 9), days=5, status=RequestStatus.APPROVED
    )
    ledger_row(user, days=-5, year=2027, kind="taken", request=summer)

    jobs.leave_expire_carry_over(now=at(2027, 4, 2))

    assert LeaveLedgerEntry.objects.get(kind="expiry").days == -2  # 5 unused, but only 2 left


@pytest.mark.django_db(transaction=True)
def test_every_job_run_twice_at_once_writes_each_row_once(carried_type):
    monthly = LeaveTypeFactory(code="FLEX", annual_days=Decimal("12"), accrual="monthly")
    people = UserFactory.create_batch(4, date_joined=LONG_AGO)
    for person in people:
        ledger_row(person, days=25, year=2026)
        ledger_row(person, days=1, year=2026, leave_type=monthly)

    now = at(2027, 4, 2)
    for job in (jobs.leave_grant_yearly, jobs.leave_accrue, jobs.leave_carry_over, jobs.leave_expire_carry_over):
        race([lambda job=job: job(now=now), lambda job=job: job(now=now)])
    first = ledger()
    for job in (jobs.leave_grant_yearly, jobs.leave_accrue, jobs.leave_carry_over, jobs.leave_expire_carry_over):
        assert job(now=now).written == []

    assert ledger() == first
    per_person = [row for row in first if row[0] == people[0].pk]
    assert [(code, kind, days) for _, code, kind, year, _, days in per_person if year == 2027] == [
        ("FLEX", "accrual", 1),
        ("FLEX", "accrual", 1),
        ("FLEX", "accrual", 1),
        ("FLEX", "accrual", 1),
        ("VACATION", "allocation", 25),
        ("VACATION", "carry_over", 5),
        ("VACATION", "expiry", -5),
    ]
