"""Input serializers check shape and types; output serializers shape responses. Rules that
depend on stored data (who offers what, free time, leave, statuses) live in the services."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.validators import validate_timezone
from config.api.fields import EARLIEST, LATEST, RANGE_MESSAGE, AwareDateTimeField
from config.api.queries import check_window
from scheduling.models import (
    MAX_BUFFER_MINUTES,
    MAX_DURATION_MINUTES,
    Appointment,
    AppointmentStatus,
    AvailabilityOverride,
    Service,
)
from scheduling.services.catalog import SERVICE_FIELDS

HHMM = r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$"
MAX_SLOT_WINDOW_DAYS = 62


class TimeZoneField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("validators", [validate_timezone])
        kwargs.setdefault("help_text", "IANA time zone, e.g. Europe/Berlin.")
        super().__init__(**kwargs)


# --- Services -------------------------------------------------------------------------------


class ServiceOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    staff = serializers.SerializerMethodField(help_text="Public ids of the STAFF members who offer it.")
    created_at = AwareDateTimeField()
    updated_at = AwareDateTimeField()

    class Meta:
        model = Service
        fields = ["id", *SERVICE_FIELDS, "staff", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_staff(self, service):
        return [str(member.uuid) for member in service.staff.all()]


class ServiceCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    duration_minutes = serializers.IntegerField(min_value=5, max_value=MAX_DURATION_MINUTES)
    buffer_before_minutes = serializers.IntegerField(min_value=0, max_value=MAX_BUFFER_MINUTES, default=0)
    buffer_after_minutes = serializers.IntegerField(min_value=0, max_value=MAX_BUFFER_MINUTES, default=0)
    min_notice_minutes = serializers.IntegerField(min_value=0, max_value=60 * 24 * 365, default=60)
    horizon_days = serializers.IntegerField(min_value=1, max_value=730, default=60)
    slot_step_minutes = serializers.IntegerField(min_value=5, max_value=MAX_DURATION_MINUTES, default=15)
    requires_confirmation = serializers.BooleanField(default=False)
    location = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    active = serializers.BooleanField(default=True)
    staff = serializers.ListField(
        child=serializers.UUIDField(), required=False, default=list, max_length=500, help_text="STAFF public ids."
    )


class ServiceUpdateInput(ServiceCreateInput):
    """Any subset of the create fields; `staff` replaces who offers the service."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.default = serializers.empty


# --- Availability ---------------------------------------------------------------------------


class IntervalInput(serializers.Serializer):
    start = serializers.RegexField(HHMM, help_text="HH:MM, wall-clock time in the staff member's zone.")
    end = serializers.RegexField(HHMM, help_text="HH:MM after `start` (24:00 is the end of the day).")


class WeeklyIntervalInput(IntervalInput):
    weekday = serializers.IntegerField(min_value=1, max_value=7, help_text="ISO weekday: 1 = Monday, 7 = Sunday.")


class IntervalOutput(serializers.Serializer):
    start = serializers.CharField()
    end = serializers.CharField()


class WeeklyIntervalOutput(IntervalOutput):
    weekday = serializers.IntegerField()


class AvailabilityInput(serializers.Serializer):
    timezone = TimeZoneField()
    valid_from = serializers.DateField(help_text="The hours apply from this date on (later schedules are removed).")
    weekly = WeeklyIntervalInput(many=True, allow_empty=True, max_length=200)


class AvailabilityQueryInput(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="The schedule in effect on this date (default: today).")


class AvailabilityOutput(serializers.Serializer):
    staff = serializers.UUIDField()
    timezone = serializers.CharField()
    valid_from = serializers.DateField(allow_null=True)
    source = serializers.ChoiceField(
        choices=["weekly", "work_pattern"],
        help_text="`work_pattern`: no weekly hours set; leave's work pattern gives 09:00 + that day's hours.",
    )
    weekly = WeeklyIntervalOutput(many=True)


class OverrideInput(serializers.Serializer):
    date = serializers.DateField(help_text="A date in the staff member's zone.")
    intervals = IntervalInput(many=True, allow_empty=True, max_length=50, help_text="Empty: the day off.")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class OverrideOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    intervals = IntervalOutput(many=True)

    class Meta:
        model = AvailabilityOverride
        fields = ["id", "date", "intervals", "note"]
        read_only_fields = fields


class OverrideQueryInput(serializers.Serializer):
    locals()["from"] = serializers.DateField(required=False, help_text="Overrides on or after this date.")
    to = serializers.DateField(required=False, help_text="Overrides before this date.")


# --- Slots ----------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.STR)
class DateOrDateTimeField(serializers.Field):
    """`YYYY-MM-DD` (local midnight in the query's zone) or an aware ISO 8601 datetime."""

    default_error_messages = {
        "invalid": "Use a date (YYYY-MM-DD) or an ISO 8601 date and time with an offset or Z.",
        "naive": "Include a UTC offset or Z, e.g. 2026-12-01T09:00:00+01:00.",
    }

    def to_internal_value(self, data):
        text = str(data).strip()
        day = parse_date(text) if len(text) == 10 else None
        if day is not None:
            return day
        try:
            moment = parse_datetime(text.replace(" ", "+", 1) if text.count(" ") == 1 else text)
        except ValueError:
            moment = None
        if moment is None:
            self.fail("invalid")
        if moment.tzinfo is None:
            self.fail("naive")
        return moment.astimezone(UTC)


class SlotsQueryInput(serializers.Serializer):
    service = serializers.UUIDField()
    locals()["from"] = DateOrDateTimeField(help_text="Window start: a date in `timezone` or an aware datetime.")
    to = DateOrDateTimeField(
        help_text=f"Window end (exclusive): a date or a datetime; at most {MAX_SLOT_WINDOW_DAYS} days after `from`."
    )
    staff = serializers.UUIDField(required=False, help_text="Only this staff member's slots.")
    timezone = TimeZoneField(required=False, help_text="Zone of the dates and of the output (default: yours).")

    def validate(self, attrs):
        zone = ZoneInfo(attrs.get("timezone") or self.context["default_timezone"])
        bounds = {}
        for name in ("from", "to"):
            value = attrs[name]
            if not isinstance(value, datetime):
                value = datetime.combine(value, time(), tzinfo=zone).astimezone(UTC)
            if not EARLIEST <= value < LATEST:
                raise serializers.ValidationError({name: [RANGE_MESSAGE]})
            bounds[name] = value
        check_window(bounds["from"], bounds["to"], max_days=MAX_SLOT_WINDOW_DAYS)
        return {**attrs, "zone": zone, "start": bounds["from"], "end": bounds["to"]}


class LocalDateTimeField(serializers.DateTimeField):
    """An aware datetime shown with its own offset (the caller converted it to the wanted zone)."""

    def to_representation(self, value):
        return value.isoformat()


class SlotOutput(serializers.Serializer):
    start = LocalDateTimeField(help_text="With the offset of the requested zone.")
    end = LocalDateTimeField()
    staff = serializers.ListField(child=serializers.UUIDField(), help_text="Every staff member free then.")


class SlotsOutput(serializers.Serializer):
    service = serializers.UUIDField()
    timezone = serializers.CharField()
    slots = serializers.DictField(
        child=SlotOutput(many=True), help_text="Slots by date (YYYY-MM-DD in `timezone`), dates in order."
    )


# --- Appointments ---------------------------------------------------------------------------


class AppointmentOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    customer = serializers.UUIDField(source="customer.uuid")
    customer_name = serializers.CharField(source="customer.name")
    customer_email = serializers.EmailField(source="customer.email")
    staff = serializers.UUIDField(source="staff.uuid")
    staff_name = serializers.CharField(source="staff.name")
    service = serializers.UUIDField(source="service.uuid")
    service_name = serializers.CharField(source="service.name")
    start_utc = AwareDateTimeField()
    end_utc = AwareDateTimeField()
    status = serializers.ChoiceField(choices=AppointmentStatus.choices)
    created_at = AwareDateTimeField()
    updated_at = AwareDateTimeField()

    class Meta:
        model = Appointment
        fields = [
            "id",
            "customer",
            "customer_name",
            "customer_email",
            "staff",
            "staff_name",
            "service",
            "service_name",
            "start_utc",
            "end_utc",
            "status",
            "location",
            "customer_notes",
            "staff_notes",
            "cancel_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AppointmentCreateInput(serializers.Serializer):
    service = serializers.UUIDField()
    start_utc = AwareDateTimeField(help_text="A slot start from GET /slots/ (any offset; stored in UTC).")
    staff = serializers.UUIDField(required=False, help_text="Without it: the first staff member free then.")
    customer_notes = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AppointmentUpdateInput(serializers.Serializer):
    start_utc = AwareDateTimeField(required=False, help_text="Reschedule: the same checks as booking.")
    staff = serializers.UUIDField(required=False, help_text="Reschedule to another staff member offering it.")
    customer_notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    staff_notes = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class AppointmentCancelInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
