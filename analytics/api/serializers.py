"""Input and output shapes of the reports, exports, shares, dashboard and calendar feed."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.validators import validate_timezone
from analytics.models import ExportFormat, ExportKind, ExportStatus
from analytics.selectors.exports import export_download
from analytics.selectors.sql import DOWN, NEAREST, UP
from analytics.selectors.summary import DIMENSIONS
from config.api.fields import AwareDateTimeField
from config.api.queries import check_window, window_query

MAX_REPORT_DAYS = 366
MAX_IDS = 100
ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


# --- Fields ---------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "example": "3fa85f64-5717-4562-b3fc-2c963f66afa6,1b9d6bcd-bbfd-4b2d-9b5d"})
class UUIDListField(serializers.CharField):
    """Public ids separated by commas, as a tuple of UUIDs (at most MAX_IDS)."""

    default_error_messages = {
        "invalid_uuid": "{value!r} is not a valid id.",
        "too_many": f"At most {MAX_IDS} ids.",
    }

    def to_internal_value(self, data):
        if isinstance(data, list):  # a JSON body may send an array
            data = ",".join(str(item) for item in data)
        text = super().to_internal_value(data)
        parts = [part.strip() for part in text.split(",") if part.strip()]
        if len(parts) > MAX_IDS:
            self.fail("too_many")
        ids = []
        for part in parts:
            try:
                ids.append(uuid.UUID(part))
            except ValueError:
                self.fail("invalid_uuid", value=part)
        return tuple(dict.fromkeys(ids))

    def to_representation(self, value):
        return ",".join(str(item) for item in value)


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanField(serializers.Field):
    """true/false (or 1/0); anything else is a 400 instead of a guess."""

    default_error_messages = {"invalid": "Use true or false."}

    def to_internal_value(self, data):
        text = str(data).strip().lower()
        if text in {"true", "1"}:
            return True
        if text in {"false", "0"}:
            return False
        self.fail("invalid")

    def to_representation(self, value):
        return bool(value)


@extend_schema_field({"type": "string", "example": "2026-W48"})
class IsoWeekField(serializers.CharField):
    """`2026-W48` to the Monday of that ISO week."""

    default_error_messages = {"invalid_week": "Use an ISO week like 2026-W48."}

    def to_internal_value(self, data):
        match = ISO_WEEK.match(super().to_internal_value(data))
        if not match:
            self.fail("invalid_week")
        try:
            return date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            self.fail("invalid_week")

    def to_representation(self, value):
        year, week, _ = value.isocalendar()
        return f"{year}-W{week:02d}"


def filter_fields() -> dict[str, serializers.Field]:
    """The filters every report takes (fresh field instances for each serializer)."""
    return {
        "users": UUIDListField(required=False, help_text="Public ids of users, comma-separated (ones you may see)."),
        "projects": UUIDListField(required=False, help_text="Public ids of projects, comma-separated."),
        "tasks": UUIDListField(required=False, help_text="Public ids of tasks, comma-separated."),
        "session": UUIDListField(required=False, help_text="Public ids of sessions, comma-separated."),
        "group_id": UUIDListField(required=False, help_text="Public ids of focus groups, comma-separated."),
        "billable": StrictBooleanField(required=False),
        "timezone": serializers.CharField(
            required=False,
            max_length=64,
            validators=[validate_timezone],
            help_text="IANA zone that days, weeks and months are counted in. Default: yours.",
        ),
        "rounding": serializers.ChoiceField(
            choices=[UP, DOWN, NEAREST], required=False, help_text="Round each entry's duration."
        ),
        "rounding_minutes": serializers.IntegerField(
            required=False, min_value=1, max_value=1440, help_text="Rounding step in minutes (default 15)."
        ),
    }


def _window_validate(self, attrs):
    check_window(attrs["from"], attrs["to"], max_days=MAX_REPORT_DAYS)
    if attrs.get("sub_group") and attrs.get("sub_group") == attrs.get("group"):
        raise serializers.ValidationError({"sub_group": ["Must differ from `group`."]})
    return attrs


def report_query_input(name: str, **extra: serializers.Field) -> type[serializers.Serializer]:
    """A query serializer with the report window (`from`/`to`, at most MAX_REPORT_DAYS days),
    the filters and `extra`."""
    built = window_query(name, max_days=MAX_REPORT_DAYS, **filter_fields(), **extra)
    built.validate = _window_validate
    return built


def _group_field(**kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=list(DIMENSIONS), **kwargs)


SummaryQueryInput = report_query_input(
    "SummaryQueryInput",
    group=_group_field(required=False, default="project", help_text="First level. Default: project."),
    sub_group=_group_field(required=False, help_text="Second level inside each group."),
)
DetailedQueryInput = report_query_input(
    "DetailedQueryInput",
    search=serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Words that must all appear (as word prefixes) in the activity or notes.",
    ),
    cursor=serializers.CharField(required=False, max_length=200, help_text="From `next` or `previous`."),
    page_size=serializers.IntegerField(required=False, min_value=1, max_value=200, default=50),
)
ExportQueryInput = report_query_input(
    "ExportQueryInput",
    format=serializers.ChoiceField(choices=ExportFormat.choices, default=ExportFormat.CSV),
    kind=serializers.ChoiceField(choices=ExportKind.choices, default=ExportKind.DETAILED),
    group=_group_field(required=False, default="project", help_text="kind=summary: first level."),
    sub_group=_group_field(required=False, help_text="kind=summary: second level."),
    search=serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="kind=detailed: words to find."
    ),
)


WeeklyQueryInput = type(
    "WeeklyQueryInput",
    (serializers.Serializer,),
    {"week": IsoWeekField(required=False, help_text="ISO week, e.g. 2026-W48. Default: this week."), **filter_fields()},
)


# --- Outputs --------------------------------------------------------------------------------


class RoundingOutput(serializers.Serializer):
    mode = serializers.CharField()
    minutes = serializers.IntegerField()


class SummarySubGroupOutput(serializers.Serializer):
    key = serializers.JSONField(
        help_text="Public id (user, project, task, focus group; null: none), ISO date of the first day "
        "(day, week, month), or the value itself (activity, billable)."
    )
    label = serializers.CharField()
    seconds = serializers.IntegerField()
    billable_seconds = serializers.IntegerField()


class SummaryGroupOutput(SummarySubGroupOutput):
    groups = SummarySubGroupOutput(many=True, help_text="The sub-groups (empty without `sub_group`).")


# `from` is a Python keyword, so the class is built with type(), like config.api.queries does.
def summary_fields(prefix: str = "") -> dict[str, serializers.Field]:
    """The summary's fields, read from a Summary at `prefix` (e.g. "summary." inside a share)."""

    def at(name: str) -> dict[str, str]:
        return {"source": f"{prefix}{name}"} if prefix else {}

    return {
        "from": AwareDateTimeField(source=f"{prefix}query.start"),
        "to": AwareDateTimeField(source=f"{prefix}query.end"),
        "timezone": serializers.CharField(source=f"{prefix}query.zone.key"),
        "seconds": serializers.IntegerField(**at("seconds")),
        "billable_seconds": serializers.IntegerField(**at("billable_seconds")),
        "group_by": serializers.ListField(child=serializers.CharField(), **at("group_by")),
        "rounding": RoundingOutput(source=f"{prefix}query.rounding", allow_null=True),
        "groups": SummaryGroupOutput(many=True, **at("groups")),
    }


SummaryOutput = type("SummaryOutput", (serializers.Serializer,), summary_fields())


class ReportUserOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class ReportProjectOutput(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    name = serializers.CharField()


class ReportTaskOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()


class DetailedEntryOutput(serializers.Serializer):
    id = serializers.UUIDField()
    user = ReportUserOutput()
    project = ReportProjectOutput(allow_null=True)
    task = ReportTaskOutput(allow_null=True)
    session = serializers.UUIDField(allow_null=True)
    activity = serializers.CharField()
    notes = serializers.CharField()
    billable = serializers.BooleanField()
    start_utc = AwareDateTimeField()
    end_utc = AwareDateTimeField(allow_null=True)
    running = serializers.BooleanField()
    date = serializers.DateField(help_text="Local day of the start, in the report's zone.")
    duration = serializers.IntegerField(help_text="Seconds; a running timer up to now.")
    seconds = serializers.IntegerField(help_text="`duration` after rounding (equal to it without rounding).")


class DetailedPageOutput(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = DetailedEntryOutput(many=True)


class WeeklyRowOutput(serializers.Serializer):
    user = ReportUserOutput()
    project = ReportProjectOutput(allow_null=True)
    days = serializers.ListField(child=serializers.IntegerField(), help_text="Seconds per day, Monday first.")
    seconds = serializers.IntegerField()


class WeeklyTotalsOutput(serializers.Serializer):
    days = serializers.ListField(child=serializers.IntegerField())
    seconds = serializers.IntegerField()


class WeeklyOutput(serializers.Serializer):
    week = serializers.CharField()
    timezone = serializers.CharField(source="query.zone.key")
    days = serializers.ListField(child=serializers.DateField())
    rows = WeeklyRowOutput(many=True)
    totals = WeeklyTotalsOutput()


# --- Team compliance ------------------------------------------------------------------------

TeamComplianceQueryInput = window_query(
    "TeamComplianceQueryInput",
    max_days=MAX_REPORT_DAYS,
    users=UUIDListField(required=False, help_text="Public ids of users, comma-separated (each one you may see)."),
)


class ReportPersonOutput(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    name = serializers.CharField()
    email = serializers.EmailField()


class TeamViolationOutput(serializers.Serializer):
    rule = serializers.ChoiceField(choices=["max_weekly_hours", "max_daily_hours", "min_daily_rest"])
    message = serializers.CharField()
    date = serializers.DateField(help_text="Local day, first day of the local week, or the day the short rest ended.")
    period_start = AwareDateTimeField()
    period_end = AwareDateTimeField()
    hours = serializers.FloatField(help_text="Hours worked in the period, or hours of rest.")
    limit_hours = serializers.FloatField()


class PersonComplianceOutput(serializers.Serializer):
    user = ReportPersonOutput()
    count = serializers.SerializerMethodField()
    violations = TeamViolationOutput(many=True)

    def get_count(self, person) -> int:
        return len(person.violations)


class LimitsOutput(serializers.Serializer):
    weekly_hours = serializers.FloatField()
    daily_hours = serializers.FloatField()
    rest_hours = serializers.FloatField()


TeamComplianceOutput = type(
    "TeamComplianceOutput",
    (serializers.Serializer,),
    {
        "from": AwareDateTimeField(source="start"),
        "to": AwareDateTimeField(source="end"),
        "limits": LimitsOutput(),
        "violation_count": serializers.IntegerField(),
        "users": PersonComplianceOutput(many=True, source="people", help_text="Every user in scope, by name."),
    },
)


# --- Exports --------------------------------------------------------------------------------


class ExportJobOutput(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    status = serializers.ChoiceField(choices=ExportStatus.choices)
    format = serializers.ChoiceField(choices=ExportFormat.choices)
    kind = serializers.ChoiceField(choices=ExportKind.choices)
    params = serializers.JSONField(help_text="The report's parameters, as given.")
    row_count = serializers.IntegerField(allow_null=True, help_text="Rows of the file (the total row aside).")
    byte_size = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(help_text="Why the export failed (empty otherwise).")
    created_at = AwareDateTimeField()
    finished_at = AwareDateTimeField(allow_null=True)
    expires_at = AwareDateTimeField(allow_null=True, help_text="When the file is removed.")
    download_url = serializers.SerializerMethodField(help_text="Presigned link to the file once done (short-lived).")

    def get_download_url(self, job) -> str | None:
        link = export_download(job=job)
        return link.url if link else None


# --- Time account ---------------------------------------------------------------------------


class TimeAccountQueryInputBase(serializers.Serializer):
    def validate(self, attrs):
        # `to` is inclusive: the window is from the start of `from` to the end of `to`.
        check_window(attrs["from"], attrs["to"] + timedelta(days=1), max_days=MAX_REPORT_DAYS)
        return attrs


TimeAccountQueryInput = type(
    "TimeAccountQueryInput",
    (TimeAccountQueryInputBase,),
    {
        "from": serializers.DateField(help_text="First day (a calendar date, in the person's own zone)."),
        "to": serializers.DateField(help_text=f"Last day, inclusive; at most {MAX_REPORT_DAYS} days after `from`."),
        "user": serializers.UUIDField(required=False, help_text="Whose account (one you may see). Default: yours."),
    },
)


def _figure_fields() -> dict[str, serializers.Field]:
    return {
        "expected_seconds": serializers.IntegerField(help_text="Work pattern minus holidays."),
        "worked_seconds": serializers.IntegerField(help_text="Entries that start in the period."),
        "leave_seconds": serializers.IntegerField(help_text="Approved leave, at the day's expected hours."),
        "balance_seconds": serializers.IntegerField(help_text="worked + leave - expected."),
        "cumulative_balance_seconds": serializers.IntegerField(help_text="Balance from the first day to here."),
    }


AccountFiguresOutput = type("AccountFiguresOutput", (serializers.Serializer,), _figure_fields())
AccountDayOutput = type(
    "AccountDayOutput",
    (serializers.Serializer,),
    {
        "date": serializers.DateField(),
        **_figure_fields(),
        "holiday": serializers.CharField(allow_null=True),
        "leave": serializers.CharField(allow_null=True, help_text="Code of the leave type taken that day."),
    },
)
AccountWeekOutput = type(
    "AccountWeekOutput",
    (serializers.Serializer,),
    {
        "week": serializers.CharField(help_text="ISO week, e.g. 2026-W47."),
        "first_day": serializers.DateField(help_text="First day of the week inside the window."),
        "last_day": serializers.DateField(help_text="Last day of the week inside the window."),
        **_figure_fields(),
    },
)

TimeAccountOutput = type(
    "TimeAccountOutput",
    (serializers.Serializer,),
    {
        "user": ReportPersonOutput(),
        "from": serializers.DateField(source="start"),
        "to": serializers.DateField(source="end"),
        "timezone": serializers.CharField(),
        "days": AccountDayOutput(many=True),
        "weeks": AccountWeekOutput(many=True),
        "total": AccountFiguresOutput(),
    },
)


# --- Calendar feed --------------------------------------------------------------------------


class CalendarFeedOutput(serializers.Serializer):
    url = serializers.URLField(help_text="Your feed's secret address; subscribe to it in a calendar program.")


class CalendarFileQueryInput(serializers.Serializer):
    entries = StrictBooleanField(required=False, default=False, help_text="Include your time entries.")


# --- Shared reports -------------------------------------------------------------------------

ReportShareCreateInput = report_query_input(
    "ReportShareCreateInput",
    group=_group_field(required=False, default="project", help_text="First level. Default: project."),
    sub_group=_group_field(required=False, help_text="Second level inside each group."),
    title=serializers.CharField(required=False, allow_blank=True, max_length=200, default=""),
    expires_at=AwareDateTimeField(
        required=False, help_text="When the link stops working. Default: REPORT_SHARE_DEFAULT_DAYS from now."
    ),
)


class ReportShareOutput(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    url = serializers.SerializerMethodField(help_text="The read-only link; anyone with it can read the report.")
    title = serializers.CharField()
    owner = serializers.UUIDField(source="owner.uuid")
    params = serializers.JSONField(help_text="The summary's parameters, as given.")
    created_at = AwareDateTimeField()
    expires_at = AwareDateTimeField()
    revoked_at = AwareDateTimeField(allow_null=True)

    def get_url(self, share) -> str:
        path = reverse("analytics:report-shared", kwargs={"token": share.token})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


SharedSummaryOutput = type(
    "SharedSummaryOutput",
    (serializers.Serializer,),
    {
        "title": serializers.CharField(source="share.title"),
        "shared_by": serializers.CharField(source="share.owner.name"),
        "expires_at": AwareDateTimeField(source="share.expires_at"),
        **summary_fields("summary."),
    },
)


# --- Dashboard ------------------------------------------------------------------------------


class DashboardGroupOutput(serializers.Serializer):
    id = serializers.UUIDField(source="membership.group.uuid")
    name = serializers.CharField(source="membership.group.name")
    period = serializers.CharField(source="membership.group.period")
    period_start = AwareDateTimeField()
    period_end = AwareDateTimeField()
    minutes = serializers.IntegerField(help_text="Your minutes in the group's sessions this period.")
    goal_minutes = serializers.IntegerField()
    percent = serializers.IntegerField()


class DashboardDayOutput(serializers.Serializer):
    date = serializers.DateField()
    seconds = serializers.IntegerField()


class DashboardProjectOutput(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    name = serializers.CharField()
    seconds = serializers.IntegerField()


class DashboardTimerOutput(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    start_utc = AwareDateTimeField(source="start")
    project = serializers.CharField(source="project.code", allow_null=True, default=None)
    activity = serializers.CharField()


class DashboardBalanceOutput(serializers.Serializer):
    leave_type = serializers.CharField(source="leave_type.code")
    name = serializers.CharField(source="leave_type.name")
    year = serializers.IntegerField()
    remaining = serializers.DecimalField(
        max_digits=6, decimal_places=1, help_text="Days left once approved leave is taken."
    )
    pending = serializers.DecimalField(max_digits=6, decimal_places=1, help_text="Days asked for, not yet decided.")
    available = serializers.DecimalField(max_digits=6, decimal_places=1, help_text="remaining - pending.")


class DashboardAppointmentOutput(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    start_utc = AwareDateTimeField()
    end_utc = AwareDateTimeField()
    service = serializers.CharField(source="service.name")
    with_person = serializers.SerializerMethodField(help_text="The customer, or the staff member you booked.")
    status = serializers.CharField()
    location = serializers.CharField()

    def get_with_person(self, appointment) -> str:
        me = self.context["user"]
        return (appointment.customer if appointment.staff_id == me.pk else appointment.staff).name


class DashboardOutput(serializers.Serializer):
    timezone = serializers.CharField()
    week_start = serializers.DateField(source="first_day")
    week_seconds = serializers.IntegerField()
    focus_groups = DashboardGroupOutput(many=True, help_text="Your active focus groups' current period.")
    days = DashboardDayOutput(many=True, help_text="Your week, a day at a time (your week start, your zone).")
    top_projects = DashboardProjectOutput(many=True)
    running = DashboardTimerOutput(allow_null=True)
    leave_balances = DashboardBalanceOutput(many=True)
    next_appointments = DashboardAppointmentOutput(many=True)
