"""Leave: working patterns, company holidays, leave types (the policy), requests and the
append-only ledger every balance is summed from.

Dates here are calendar dates in the user's own time zone: a day off is "Tuesday 5 January" for
the person taking it, wherever the server runs, so no date is ever converted between zones.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ZERO = Decimal("0")


def _hours_field() -> models.DecimalField:
    return models.DecimalField(
        max_digits=4, decimal_places=2, validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("24"))]
    )


def _days_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=6, decimal_places=1, **kwargs)


class WorkPattern(models.Model):
    """Hours a user works on each weekday, from `valid_from` until the next pattern starts. A
    weekday with 0 hours is not a working day. Without any pattern, LEAVE_DEFAULT_WEEK_HOURS applies."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="work_patterns")
    valid_from = models.DateField()
    monday = _hours_field()
    tuesday = _hours_field()
    wednesday = _hours_field()
    thursday = _hours_field()
    friday = _hours_field()
    saturday = _hours_field()
    sunday = _hours_field()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["user", "valid_from"], name="leave_pattern_one_per_start"),
            models.CheckConstraint(
                condition=Q(
                    *(Q(**{f"{day}__gte": 0}) & Q(**{f"{day}__lte": 24}) for day in WEEKDAYS),
                ),
                name="leave_pattern_hours_in_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} from {self.valid_from:%Y-%m-%d}"

    @property
    def hours(self) -> tuple[Decimal, ...]:
        """Hours Monday to Sunday."""
        return tuple(getattr(self, day) for day in WEEKDAYS)


class Holiday(models.Model):
    """A company holiday. Blank `country` means everywhere; blank `subdivision` the whole country.
    A half-day holiday takes half a day off each working day it falls on."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    date = models.DateField()
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, blank=True)
    subdivision = models.CharField(max_length=10, blank=True)
    half_day = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "country", "subdivision"]
        constraints = [
            models.UniqueConstraint(fields=["date", "country", "subdivision"], name="leave_holiday_one_per_scope"),
            models.CheckConstraint(
                condition=Q(subdivision="") | ~Q(country=""), name="leave_holiday_subdivision_needs_country"
            ),
        ]
        indexes = [models.Index(fields=["date"], name="leave_holiday_date_idx")]

    def __str__(self) -> str:
        scope = "-".join(part for part in (self.country, self.subdivision) if part) or "everywhere"
        return f"{self.date:%Y-%m-%d} {self.name} ({scope})"


class Accrual(models.TextChoices):
    YEARLY = "yearly", "Yearly (granted on 1 January)"
    MONTHLY = "monthly", "Monthly (a twelfth each month)"


class LeaveType(models.Model):
    """A kind of leave and its policy."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^[A-Z][A-Z0-9_]*$", "Upper-case letters, digits and _ only.")],
    )
    name = models.CharField(max_length=100)
    color = models.CharField(
        max_length=7, default="#4CAF50", validators=[RegexValidator(r"^#[0-9A-Fa-f]{6}$", "A colour like #4CAF50.")]
    )
    paid = models.BooleanField(default=True)
    requires_approval = models.BooleanField(default=True, help_text="Off: requests are approved when submitted.")
    deducts_balance = models.BooleanField(default=True, help_text="Off: no allowance, no balance check.")
    half_day_allowed = models.BooleanField(default=True)
    annual_days = _days_field(default=ZERO, help_text="Allowance per year, in days (half-day steps).")
    accrual = models.CharField(max_length=8, choices=Accrual.choices, default=Accrual.YEARLY)
    carry_over_max_days = _days_field(default=ZERO, help_text="Unused days carried into the next year, at most.")
    carry_over_expires_month = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="Carried days not taken by the end of this month of the new year expire. Empty: never.",
    )
    negative_limit_days = _days_field(default=ZERO, help_text="How far below zero the available balance may go.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code=Upper("code")), name="leave_type_code_upper"),
            models.CheckConstraint(
                condition=Q(annual_days__gte=0, carry_over_max_days__gte=0, negative_limit_days__gte=0),
                name="leave_type_days_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(carry_over_expires_month__isnull=True)
                | Q(carry_over_expires_month__gte=1, carry_over_expires_month__lte=12),
                name="leave_type_expiry_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class StartHalf(models.TextChoices):
    FULL = "full", "Full day"
    AFTERNOON = "afternoon", "Afternoon only"


class EndHalf(models.TextChoices):
    FULL = "full", "Full day"
    MORNING = "morning", "Morning only"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STATUSES = (RequestStatus.PENDING, RequestStatus.APPROVED)


class LeaveRequest(models.Model):
    """Days off asked for by `user`. `days` is what the range costs (leave.selectors.days), computed
    on submit and again on approval; `days_by_year` splits it by calendar year ({"2027": "2.0"}),
    because a request over New Year takes each day from its own year's balance."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leave_requests")
    leave_type = models.ForeignKey(LeaveType, on_delete=models.PROTECT, related_name="requests")
    start_date = models.DateField()
    end_date = models.DateField()
    start_half = models.CharField(max_length=10, choices=StartHalf.choices, default=StartHalf.FULL)
    end_half = models.CharField(max_length=10, choices=EndHalf.choices, default=EndHalf.FULL)
    reason = models.TextField(blank=True, max_length=1000)
    days = _days_field()
    days_by_year = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="leave_request_dates_ordered"),
            models.CheckConstraint(
                condition=~Q(start_date=F("end_date"), start_half=StartHalf.AFTERNOON, end_half=EndHalf.MORNING),
                name="leave_request_one_day_one_half",
            ),
            models.CheckConstraint(condition=Q(days__gte=0), name="leave_request_days_not_negative"),
        ]
        indexes = [
            models.Index(fields=["user", "start_date"], name="leave_request_user_start_idx"),
            models.Index(fields=["status", "start_date"], name="leave_request_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.leave_type.code} {self.start_date:%Y-%m-%d}–{self.end_date:%Y-%m-%d} of {self.user}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class LedgerKind(models.TextChoices):
    ALLOCATION = "allocation", "Allocation"
    ACCRUAL = "accrual", "Accrual"
    CARRY_OVER = "carry_over", "Carried over"
    EXPIRY = "expiry", "Expired"
    TAKEN = "taken", "Taken"
    REVERSAL = "reversal", "Reversal"
    ADJUSTMENT = "adjustment", "Adjustment"


class LeaveLedgerEntry(models.Model):
    """One signed movement of a user's balance of one type in one year. Rows are only ever added:
    a cancelled request gets a `reversal`, a correction an `adjustment`. PostgreSQL refuses UPDATE
    and DELETE with a trigger; a balance is the sum of the rows (nothing stores a running total).

    Rows the jobs write carry a `period` ("2027" for a grant, "2027-03" for an accrual); the
    unique key (user, type, kind, period) makes each job write each row once, however often and
    however concurrently it runs."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="leave_ledger")
    leave_type = models.ForeignKey(LeaveType, on_delete=models.PROTECT, related_name="ledger")
    year = models.PositiveSmallIntegerField()
    days = _days_field(help_text="Signed, in half-day steps: + adds to the balance, - takes from it.")
    kind = models.CharField(max_length=10, choices=LedgerKind.choices)
    period = models.CharField(max_length=16, blank=True, help_text="Set by the jobs: what the row is for.")
    request = models.ForeignKey(LeaveRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger")
    note = models.CharField(max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "ledger entry"
        verbose_name_plural = "ledger entries"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "leave_type", "kind", "period"],
                condition=~Q(period=""),
                name="leave_ledger_job_row_once",
            ),
            models.UniqueConstraint(
                fields=["request", "kind", "year"],
                condition=Q(request__isnull=False),
                name="leave_ledger_request_row_once",
            ),
            models.CheckConstraint(condition=Q(year__gte=1900, year__lte=2999), name="leave_ledger_year_range"),
        ]
        indexes = [models.Index(fields=["user", "year", "leave_type"], name="leave_ledger_balance_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.leave_type.code} {self.year} {self.kind} {self.days:+}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Ledger entries are append-only.")
        super().save(*args, **kwargs)
