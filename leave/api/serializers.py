"""Input serializers check shape and types; output serializers shape responses. Rules that depend
on stored data (costs, overlaps, balances, who decides) live in the services."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import AwareDateTimeField
from config.api.queries import check_window
from leave.models import Accrual, EndHalf, LeaveLedgerEntry, LeaveRequest, LeaveType, LedgerKind, StartHalf
from leave.models import Holiday as CompanyHoliday
from leave.services.policy import LEAVE_TYPE_FIELDS

COLOR = r"^#[0-9A-Fa-f]{6}$"
CODE = r"^[A-Za-z][A-Za-z0-9_]{0,31}$"
COUNTRY = r"^[A-Za-z]{2}$"
# Named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"], so the schema's enums say what they are.
HOLIDAY_SOURCES = ["public", "company"]
PREVIEW_PROBLEMS = ["no_working_days", "overlap", "insufficient_balance", "leave_type_inactive"]
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


def days_out(**kwargs) -> serializers.DecimalField:
    """A number of days as a JSON number (half-day steps)."""
    return serializers.DecimalField(max_digits=6, decimal_places=1, coerce_to_string=False, read_only=True, **kwargs)


def days_in(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=6, decimal_places=1, coerce_to_string=False, **kwargs)


class LeaveDateField(serializers.DateField):
    """A calendar date (YYYY-MM-DD) between 1900 and 2999."""

    default_error_messages = {"range": "Must be between 1900-01-01 and 2999-12-31."}

    def to_internal_value(self, value):
        result = super().to_internal_value(value)
        if not EARLIEST_DATE <= result <= LATEST_DATE:
            self.fail("range")
        return result


class DateWindowQuery(serializers.Serializer):
    """`from` (inclusive) and `to` (exclusive) dates, at most LEAVE_MAX_WINDOW_DAYS apart."""

    locals()["from"] = LeaveDateField(help_text="First day, YYYY-MM-DD.")
    to = LeaveDateField(
        help_text="Day after the last one (exclusive), YYYY-MM-DD; at most LEAVE_MAX_WINDOW_DAYS later."
    )

    def validate(self, attrs):
        check_window(attrs["from"], attrs["to"], max_days=settings.LEAVE_MAX_WINDOW_DAYS)
        return attrs


# --- Work pattern ---------------------------------------------------------------------------


class WorkPatternQueryInput(serializers.Serializer):
    user = serializers.UUIDField(required=False, help_text="ADMIN: someone else's pattern.")
    date = LeaveDateField(required=False, help_text="The pattern in effect that day (default: today).")


class WorkPatternOutput(serializers.Serializer):
    user = serializers.UUIDField(source="user.uuid")
    valid_from = serializers.DateField(allow_null=True, help_text="Null: the default pattern (no pattern of your own).")
    monday = serializers.FloatField()
    tuesday = serializers.FloatField()
    wednesday = serializers.FloatField()
    thursday = serializers.FloatField()
    friday = serializers.FloatField()
    saturday = serializers.FloatField()
    sunday = serializers.FloatField()
    weekly_hours = serializers.SerializerMethodField()

    def get_weekly_hours(self, pattern) -> float:
        return float(sum(pattern.hours))


def _hours(day: str) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=4, decimal_places=2, min_value=0, max_value=24, help_text=f"Hours on {day.title()}; 0: day off."
    )


class WorkPatternInput(serializers.Serializer):
    valid_from = LeaveDateField(required=False, help_text="First day it applies (default: today where you live).")
    monday = _hours("monday")
    tuesday = _hours("tuesday")
    wednesday = _hours("wednesday")
    thursday = _hours("thursday")
    friday = _hours("friday")
    saturday = _hours("saturday")
    sunday = _hours("sunday")


# --- Holidays -------------------------------------------------------------------------------


class HolidayQueryInput(DateWindowQuery):
    country = serializers.RegexField(COUNTRY, required=False, help_text="ISO 3166-1 alpha-2; default: yours.")
    subdivision = serializers.CharField(
        required=False, max_length=10, help_text="e.g. BY; default: yours when `country` is not given."
    )


class HolidayItemOutput(serializers.Serializer):
    date = serializers.DateField()
    name = serializers.CharField()
    source = serializers.ChoiceField(choices=HOLIDAY_SOURCES)
    half_day = serializers.BooleanField()
    country = serializers.CharField(help_text="Empty: a company holiday everywhere.")
    subdivision = serializers.CharField()
    id = serializers.UUIDField(allow_null=True, help_text="A company holiday's id; null for public holidays.")


class HolidayOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    created_at = AwareDateTimeField()
    updated_at = AwareDateTimeField()

    class Meta:
        model = CompanyHoliday
        fields = ["id", "date", "name", "country", "subdivision", "half_day", "created_at", "updated_at"]
        read_only_fields = fields


class HolidayCreateInput(serializers.Serializer):
    date = LeaveDateField()
    name = serializers.CharField(max_length=200)
    country = serializers.RegexField(
        COUNTRY, required=False, default="", allow_blank=True, help_text="Empty: everywhere."
    )
    subdivision = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=10, help_text="Empty: the whole country."
    )
    half_day = serializers.BooleanField(required=False, default=False)


class HolidayUpdateInput(serializers.Serializer):
    date = LeaveDateField(required=False)
    name = serializers.CharField(max_length=200, required=False)
    country = serializers.RegexField(COUNTRY, required=False, allow_blank=True)
    subdivision = serializers.CharField(required=False, allow_blank=True, max_length=10)
    half_day = serializers.BooleanField(required=False)


# --- Leave types ----------------------------------------------------------------------------


class LeaveTypeOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    annual_days = days_out()
    carry_over_max_days = days_out()
    negative_limit_days = days_out()

    class Meta:
        model = LeaveType
        fields = ["id", *LEAVE_TYPE_FIELDS]
        read_only_fields = fields


class LeaveTypeUpdateInput(serializers.Serializer):
    code = serializers.RegexField(CODE, required=False, help_text="Letters, digits, _; stored upper-case.")
    name = serializers.CharField(max_length=100, required=False)
    color = serializers.RegexField(COLOR, required=False, help_text="#RRGGBB")
    paid = serializers.BooleanField(required=False)
    requires_approval = serializers.BooleanField(required=False)
    deducts_balance = serializers.BooleanField(required=False)
    half_day_allowed = serializers.BooleanField(required=False)
    annual_days = days_in(required=False, min_value=0, help_text="Half-day steps.")
    accrual = serializers.ChoiceField(choices=Accrual.choices, required=False)
    carry_over_max_days = days_in(required=False, min_value=0)
    carry_over_expires_month = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=12, help_text="Null: carried days never expire."
    )
    negative_limit_days = days_in(required=False, min_value=0)
    active = serializers.BooleanField(required=False)


class LeaveTypeCreateInput(LeaveTypeUpdateInput):
    code = serializers.RegexField(CODE, help_text="Letters, digits, _; stored upper-case.")
    name = serializers.CharField(max_length=100)


# --- Requests -------------------------------------------------------------------------------


class LeaveRequestOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    user = serializers.UUIDField(source="user.uuid")
    user_email = serializers.EmailField(source="user.email")
    user_name = serializers.CharField(source="user.name")
    type = serializers.CharField(source="leave_type.code")
    type_name = serializers.CharField(source="leave_type.name")
    days = days_out(help_text="What the request costs (working days, half-day steps).")
    approver = serializers.UUIDField(source="approver.uuid", allow_null=True, default=None)
    decided_at = AwareDateTimeField(allow_null=True)
    created_at = AwareDateTimeField()
    updated_at = AwareDateTimeField()

    class Meta:
        model = LeaveRequest
        fields = [
            "id",
            "user",
            "user_email",
            "user_name",
            "type",
            "type_name",
            "start_date",
            "end_date",
            "start_half",
            "end_half",
            "reason",
            "days",
            "status",
            "approver",
            "decided_at",
            "decision_note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class LeaveWarningOutput(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    data = serializers.DictField(help_text="Whatever else the check that raised it said.")


class LeaveRequestWriteOutput(LeaveRequestOutput):
    warnings = serializers.SerializerMethodField(help_text="What the before-approve checks reported.")

    class Meta(LeaveRequestOutput.Meta):
        fields = [*LeaveRequestOutput.Meta.fields, "warnings"]
        read_only_fields = fields

    @extend_schema_field(LeaveWarningOutput(many=True))
    def get_warnings(self, request):
        return LeaveWarningOutput(self.context.get("warnings", []), many=True).data


class LeaveRequestCreateInput(serializers.Serializer):
    type = serializers.RegexField(CODE, help_text="A leave type's code, e.g. VACATION.")
    start_date = LeaveDateField()
    end_date = LeaveDateField(help_text="Last day (inclusive); the same as start_date for one day.")
    start_half = serializers.ChoiceField(
        choices=StartHalf.choices,
        required=False,
        default=StartHalf.FULL,
        help_text="afternoon: the first day from noon.",
    )
    end_half = serializers.ChoiceField(
        choices=EndHalf.choices, required=False, default=EndHalf.FULL, help_text="morning: the last day until noon."
    )
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=1000)


class LeaveRequestUpdateInput(serializers.Serializer):
    start_date = LeaveDateField(required=False)
    end_date = LeaveDateField(required=False)
    start_half = serializers.ChoiceField(choices=StartHalf.choices, required=False)
    end_half = serializers.ChoiceField(choices=EndHalf.choices, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class ApproveInput(serializers.Serializer):
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=1000)
    reassign_or_cancel = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Ask the before-approve checks to resolve clashes (e.g. appointments), not only report them.",
    )


class DecisionNoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=1000)


class YearDaysOutput(serializers.Serializer):
    year = serializers.IntegerField()
    days = days_out()


class PreviewBalanceOutput(serializers.Serializer):
    year = serializers.IntegerField()
    days = days_out(help_text="What the request takes from this year.")
    available_before = days_out()
    available_after = days_out()
    negative_limit = days_out(help_text="How far below 0 available may go.")
    sufficient = serializers.BooleanField()


class ProblemOutput(serializers.Serializer):
    code = serializers.ChoiceField(choices=PREVIEW_PROBLEMS)
    message = serializers.CharField()


class ClashElsewhereOutput(serializers.Serializer):
    kind = serializers.CharField(help_text='What clashes, e.g. "appointment".')
    id = serializers.CharField(help_text="Its public id.")
    start_utc = AwareDateTimeField()
    end_utc = AwareDateTimeField()
    message = serializers.CharField(help_text="A short description for people.")


class ClashesOutput(serializers.Serializer):
    own_requests = LeaveRequestOutput(many=True, help_text="Your pending or approved requests overlapping the dates.")
    team_off = serializers.IntegerField(help_text="How many of your team (same manager, or your reports) are off then.")
    elsewhere = ClashElsewhereOutput(
        many=True, help_text="What else you are booked for then, e.g. appointments you serve as a staff member."
    )


class LeavePreviewOutput(serializers.Serializer):
    days = days_out()
    by_year = YearDaysOutput(many=True)
    holidays = HolidayItemOutput(many=True, help_text="Holidays on working days in the range.")
    non_working_days = serializers.ListField(child=serializers.DateField())
    balance = PreviewBalanceOutput(
        many=True, help_text="Per year the request touches; empty for types without a balance."
    )
    clashes = ClashesOutput()
    problems = ProblemOutput(many=True, help_text="Why submitting would be refused (409 or 400); empty: it would pass.")


# --- Balances, ledger, allocations, calendar ------------------------------------------------


class BalanceQueryInput(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=1900, max_value=2999, help_text="Default: this year.")
    user = serializers.UUIDField(required=False, help_text="STAFF: a report's; ADMIN: anyone's.")


class BalanceOutput(serializers.Serializer):
    type = serializers.CharField(source="leave_type.code")
    type_name = serializers.CharField(source="leave_type.name")
    deducts_balance = serializers.BooleanField(source="leave_type.deducts_balance")
    allocated = days_out()
    accrued = days_out()
    carried_over = days_out()
    adjusted = days_out()
    taken = days_out(help_text="Approved days (net of cancellations).")
    pending = days_out(help_text="Days of pending requests.")
    expired = days_out()
    remaining = days_out(help_text="The ledger's sum: allocated + accrued + carried_over + adjusted - taken - expired.")
    available = days_out(help_text="remaining - pending.")


class BalancesOutput(serializers.Serializer):
    user = serializers.UUIDField()
    year = serializers.IntegerField()
    balances = BalanceOutput(many=True)


class LedgerQueryInput(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=1900, max_value=2999)
    type = serializers.RegexField(CODE, required=False)
    user = serializers.UUIDField(required=False, help_text="STAFF: a report's; ADMIN: anyone's.")


class LedgerEntryOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    user = serializers.UUIDField(source="user.uuid")
    type = serializers.CharField(source="leave_type.code")
    days = days_out(help_text="Signed: + adds to the balance, - takes from it.")
    request = serializers.UUIDField(source="request.uuid", allow_null=True, default=None)
    actor = serializers.EmailField(source="actor.email", allow_null=True, default=None)
    created_at = AwareDateTimeField()

    class Meta:
        model = LeaveLedgerEntry
        fields = ["id", "user", "type", "year", "days", "kind", "period", "request", "note", "actor", "created_at"]
        read_only_fields = fields


class LedgerPageOutput(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = LedgerEntryOutput(many=True)


class AllocationInput(serializers.Serializer):
    user = serializers.UUIDField()
    type = serializers.RegexField(CODE)
    year = serializers.IntegerField(min_value=1900, max_value=2999)
    days = days_in(help_text="Signed, half-day steps; not 0.")
    kind = serializers.ChoiceField(
        choices=[(LedgerKind.ALLOCATION, "allocation"), (LedgerKind.ADJUSTMENT, "adjustment")],
        required=False,
        default=LedgerKind.ALLOCATION,
    )
    note = serializers.CharField(required=False, default="", allow_blank=True, max_length=500)


class CalendarQueryInput(DateWindowQuery):
    pass


class CalendarItemOutput(serializers.Serializer):
    request = serializers.UUIDField(source="uuid")
    user = serializers.UUIDField(source="user.uuid")
    user_email = serializers.EmailField(source="user.email")
    user_name = serializers.CharField(source="user.name")
    type = serializers.CharField(source="leave_type.code")
    type_name = serializers.CharField(source="leave_type.name")
    color = serializers.CharField(source="leave_type.color")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    start_half = serializers.ChoiceField(choices=StartHalf.choices)
    end_half = serializers.ChoiceField(choices=EndHalf.choices)
    days = days_out()
    status = serializers.ChoiceField(choices=["pending", "approved"])


class CalendarOutput(serializers.Serializer):
    items = CalendarItemOutput(many=True, help_text="Pending and approved leave overlapping the window.")
    holidays = HolidayItemOutput(many=True, help_text="Holidays where the people listed (and you) live.")
