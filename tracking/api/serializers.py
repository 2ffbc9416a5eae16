"""Input serializers check shape and types; output serializers shape responses. Rules that depend
on stored data (overlaps, archived projects, limits) live in the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import AwareDateTimeField
from config.api.queries import window_query
from media.models import Image
from media.selectors import image_url
from media.storage import SignedUrl
from tracking.compliance import MAX_REPORT_DAYS
from tracking.models import LapImage, Project, Session, Task, TimeEntry
from tracking.selectors import LAP_COLUMN_COUNT

# The longest manual log, in seconds; the service applies TIME_ENTRY_MAX_HOURS on top.
MAX_LOG_SECONDS = 7 * 24 * 3600


# The shared field checks the 1970-2999 range itself; the name stays for the fields below.
TrackingDateTimeField = AwareDateTimeField


def _uuid_of(source: str, help_text: str) -> serializers.UUIDField:
    return serializers.UUIDField(source=source, read_only=True, allow_null=True, default=None, help_text=help_text)


# --- Projects and tasks ---------------------------------------------------------------------

PROJECT_CODE = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$"
COLOR = r"^#[0-9A-Fa-f]{6}$"


class ProjectOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    created_at = AwareDateTimeField()
    updated_at = AwareDateTimeField()

    class Meta:
        model = Project
        fields = ["id", "code", "name", "color", "billable", "archived", "created_at", "updated_at"]
        read_only_fields = fields


class ProjectCreateInput(serializers.Serializer):
    code = serializers.RegexField(PROJECT_CODE, help_text="Letters, digits, `_ . -`; stored upper-case.")
    name = serializers.CharField(max_length=200)
    color = serializers.RegexField(COLOR, required=False, default="#607D8B", help_text="#RRGGBB")
    billable = serializers.BooleanField(required=False, default=True)


class ProjectUpdateInput(serializers.Serializer):
    code = serializers.RegexField(PROJECT_CODE, required=False)
    name = serializers.CharField(max_length=200, required=False)
    color = serializers.RegexField(COLOR, required=False)
    billable = serializers.BooleanField(required=False)


class TaskOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    project = serializers.UUIDField(source="project.uuid")
    project_code = serializers.CharField(source="project.code")
    created_at = AwareDateTimeField()
    updated_at = AwareDateTimeField()

    class Meta:
        model = Task
        fields = ["id", "project", "project_code", "name", "archived", "created_at", "updated_at"]
        read_only_fields = fields


class TaskCreateInput(serializers.Serializer):
    project = serializers.UUIDField()
    name = serializers.CharField(max_length=200)


class TaskUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)


# --- Compliance -----------------------------------------------------------------------------


class ComplianceWarningOutput(serializers.Serializer):
    rule = serializers.ChoiceField(choices=["max_weekly_hours", "max_daily_hours", "min_daily_rest"])
    message = serializers.CharField()
    date = serializers.DateField(help_text="Local day, first day of the local week, or the day the short rest ended.")
    period_start = AwareDateTimeField()
    period_end = AwareDateTimeField()
    hours = serializers.FloatField(help_text="Hours worked in the period, or hours of rest.")
    limit_hours = serializers.FloatField()


class ComplianceViolationOutput(ComplianceWarningOutput):
    user = serializers.UUIDField(source="user_id")
    user_email = serializers.EmailField()


class ComplianceViolationPageOutput(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ComplianceViolationOutput(many=True)


ComplianceQueryInput = window_query(
    "ComplianceQueryInput",
    max_days=MAX_REPORT_DAYS,
    field_class=TrackingDateTimeField,
    user=serializers.UUIDField(required=False, help_text="Only this user (one you may see)."),
)
SessionWindowQueryInput = window_query("SessionWindowQueryInput", field_class=TrackingDateTimeField)


# --- Time entries ---------------------------------------------------------------------------


class TimeEntryOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    user = serializers.UUIDField(source="user.uuid")
    start_utc = AwareDateTimeField(source="start")
    end_utc = AwareDateTimeField(source="end", allow_null=True, help_text="Null while the timer runs.")
    duration = serializers.SerializerMethodField(help_text="Seconds; for a running entry, so far.")
    running = serializers.BooleanField(source="is_running")
    project = _uuid_of("project.uuid", "Project id.")
    project_code = serializers.CharField(source="project.code", read_only=True, allow_null=True, default=None)
    task = _uuid_of("task.uuid", "Task id.")
    session = _uuid_of("session.uuid", "Set when the entry is a lap or time log of a session.")
    created_at = AwareDateTimeField()
    updated_at = AwareDateTimeField()

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "user",
            "start_utc",
            "end_utc",
            "duration",
            "running",
            "project",
            "project_code",
            "task",
            "activity",
            "notes",
            "billable",
            "session",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.INT)
    def get_duration(self, entry: TimeEntry) -> int:
        return entry.duration_seconds(self.context.get("now"))


class TimeEntryWriteOutput(TimeEntryOutput):
    """An entry as a create, update, start or stop returns it: with the working-time warnings of
    the weeks it touches (pass them as `context["warnings"]`)."""

    warnings = serializers.SerializerMethodField()

    class Meta(TimeEntryOutput.Meta):
        fields = [*TimeEntryOutput.Meta.fields, "warnings"]
        read_only_fields = fields

    @extend_schema_field(ComplianceWarningOutput(many=True))
    def get_warnings(self, entry: TimeEntry) -> list:
        return ComplianceWarningOutput(self.context.get("warnings", []), many=True).data


class TimeEntryCreateInput(serializers.Serializer):
    start_utc = TrackingDateTimeField()
    end_utc = TrackingDateTimeField(required=False, allow_null=True, help_text="Omit or null: a running timer.")
    project = serializers.UUIDField(required=False, allow_null=True)
    project_code = serializers.CharField(
        max_length=32, required=False, allow_null=True, allow_blank=True, help_text="Alternative to `project`."
    )
    task = serializers.UUIDField(required=False, allow_null=True)
    activity = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    billable = serializers.BooleanField(required=False, allow_null=True, help_text="Default: the project's.")
    user = serializers.UUIDField(required=False, help_text="ADMIN only: write the entry for this user.")


class TimeEntryUpdateInput(serializers.Serializer):
    start_utc = TrackingDateTimeField(required=False)
    end_utc = TrackingDateTimeField(required=False, allow_null=True)
    project = serializers.UUIDField(required=False, allow_null=True, help_text="Null clears the project.")
    project_code = serializers.CharField(max_length=32, required=False, allow_null=True, allow_blank=True)
    task = serializers.UUIDField(required=False, allow_null=True, help_text="Null clears the task.")
    activity = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    billable = serializers.BooleanField(required=False)


class TimerStartInput(serializers.Serializer):
    start_utc = TrackingDateTimeField(required=False, help_text="Default: now.")
    project = serializers.UUIDField(required=False, allow_null=True, help_text="Default: your default project.")
    project_code = serializers.CharField(max_length=32, required=False, allow_null=True, allow_blank=True)
    task = serializers.UUIDField(required=False, allow_null=True)
    activity = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    billable = serializers.BooleanField(required=False, allow_null=True)


# --- Lap images -----------------------------------------------------------------------------


class LapImageUploadInput(serializers.Serializer):
    lap = serializers.UUIDField(help_text="Id of one of your laps (a time entry of a session).")
    file = serializers.FileField(help_text="PNG, JPEG or WebP; stored re-encoded without metadata.")


@dataclass(frozen=True)
class SignedLapImage:
    link: LapImage
    signed: SignedUrl


def signed_lap_images(links) -> list[SignedLapImage]:
    """Pair each lap image with a fresh presigned URL (signing is local: no query, no network)."""
    return [SignedLapImage(link, image_url(image=link.image)) for link in links]


class LapImageOutput(serializers.Serializer):
    """Serializes a SignedLapImage."""

    id = serializers.UUIDField(source="link.image.uuid")
    lap = serializers.UUIDField(source="link.lap.uuid")
    content_type = serializers.CharField(source="link.image.content_type")
    byte_size = serializers.IntegerField(source="link.image.byte_size")
    width = serializers.IntegerField(source="link.image.width")
    height = serializers.IntegerField(source="link.image.height")
    created_at = AwareDateTimeField(source="link.created_at")
    url = serializers.CharField(source="signed.url", help_text="Presigned GET URL; works until expires_at.")
    expires_at = AwareDateTimeField(source="signed.expires_at")


# --- Sessions -------------------------------------------------------------------------------


class LapOutput(TimeEntryOutput):
    class Meta(TimeEntryOutput.Meta):
        # A lap is shown inside its session: no session id or bookkeeping times, plus its images.
        fields = [
            *(f for f in TimeEntryOutput.Meta.fields if f not in {"session", "created_at", "updated_at"}),
            "images",
        ]
        read_only_fields = fields

    images = serializers.SerializerMethodField(help_text="Images attached to the lap, with presigned URLs.")

    @extend_schema_field(LapImageOutput(many=True))
    def get_images(self, lap: TimeEntry) -> list:
        return LapImageOutput(signed_lap_images(lap.images.all()), many=True).data


class SessionOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    owner = serializers.UUIDField(source="owner.uuid")
    start_utc = AwareDateTimeField(source="started_at", allow_null=True, help_text="Start of the first lap.")
    end_utc = AwareDateTimeField(source="ended_at", allow_null=True, help_text="Set once stopped.")
    duration = serializers.SerializerMethodField(help_text="Seconds in all laps (a running lap so far).")
    lap_count = serializers.SerializerMethodField()
    laps = serializers.SerializerMethodField()
    created_at = AwareDateTimeField()
    updated_at = AwareDateTimeField()

    class Meta:
        model = Session
        fields = [
            "id",
            "owner",
            "title",
            "notes",
            "status",
            "start_utc",
            "end_utc",
            "duration",
            "lap_count",
            "laps",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _laps(self, session: Session) -> list[TimeEntry]:
        return sorted(session.laps.all(), key=lambda lap: (lap.start, lap.pk))

    @extend_schema_field(OpenApiTypes.INT)
    def get_duration(self, session: Session) -> int:
        return sum(lap.duration_seconds(self.context.get("now")) for lap in self._laps(session))

    @extend_schema_field(OpenApiTypes.INT)
    def get_lap_count(self, session: Session) -> int:
        return len(self._laps(session))

    @extend_schema_field(LapOutput(many=True))
    def get_laps(self, session: Session) -> list:
        return LapOutput(self._laps(session), many=True, context=self.context).data


def entry_fields_output(row: tuple, now: datetime) -> dict:
    """What TimeEntryOutput and LapOutput both show of an entry, from the first LAP_COLUMN_COUNT
    values of a row of selectors.ENTRY_OUTPUT_COLUMNS (`now` counts a running entry)."""
    uuid, user, start, end, project, project_code, task, activity, notes, billable = row[:LAP_COLUMN_COUNT]
    return {
        "id": uuid,
        "user": user,
        "start_utc": start,
        "end_utc": end,
        "duration": max(0, int(((end or now) - start).total_seconds())),
        "running": end is None,
        "project": project,
        "project_code": project_code,
        "task": task,
        "activity": activity,
        "notes": notes,
        "billable": billable,
    }


def entry_row_output(row: tuple, now: datetime) -> dict:
    """A row of selectors.ENTRY_ROW_COLUMNS as TimeEntryOutput shows an entry: the same keys in
    the same order and, once rendered, the same JSON (datetimes in UTC with Z, UUIDs as text)."""
    session, created, updated = row[LAP_COLUMN_COUNT:]
    return {**entry_fields_output(row, now), "session": session, "created_at": created, "updated_at": updated}


def entry_output(entry: TimeEntry, now: datetime) -> dict:
    """`entry` as TimeEntryOutput shows it, through entry_row_output (a write's answer: the entry
    in hand has its user, project, task and session loaded or set)."""
    project, task, session = entry.project, entry.task, entry.session
    return entry_row_output(
        (
            entry.uuid,
            entry.user.uuid,
            entry.start,
            entry.end,
            project and project.uuid,
            project and project.code,
            task and task.uuid,
            entry.activity,
            entry.notes,
            entry.billable,
            session and session.uuid,
            entry.created_at,
            entry.updated_at,
        ),
        now,
    )


def session_output(session: Session, owner_uuid, lap_rows: list[tuple], now: datetime) -> dict:
    """What SessionOutput shows of `session`, built from rows of selectors.LAP_ROW_COLUMNS (the
    laps the reader may see, in order, one row per image) instead of model instances: the same
    keys in the same order and, once rendered, the same JSON (datetimes in UTC with Z, UUIDs as
    text). `now` counts running laps."""
    laps: list[dict] = []
    for row in lap_rows:
        if not laps or laps[-1]["id"] != row[0]:
            laps.append({**entry_fields_output(row, now), "images": []})
        image, key, content_type, byte_size, width, height, created = row[LAP_COLUMN_COUNT : LAP_COLUMN_COUNT + 7]
        if image is not None:
            signed = image_url(image=Image(key=key))
            laps[-1]["images"].append(
                {
                    "id": image,
                    "lap": row[0],
                    "content_type": content_type,
                    "byte_size": byte_size,
                    "width": width,
                    "height": height,
                    "created_at": created,
                    "url": str(signed.url),
                    "expires_at": signed.expires_at,
                }
            )
    return {
        "id": session.uuid,
        "owner": owner_uuid,
        "title": session.title,
        "notes": session.notes,
        "status": str(session.status),
        "start_utc": session.started_at,
        "end_utc": session.ended_at,
        "duration": sum(lap["duration"] for lap in laps),
        "lap_count": len(laps),
        "laps": laps,
        "created_at": session.created_at,
        "updated_at": session.updated_at,
    }


class LapInput(serializers.Serializer):
    id = serializers.UUIDField(required=False, help_text="An existing lap to keep (and update); omit for a new one.")
    start_utc = TrackingDateTimeField()
    end_utc = TrackingDateTimeField()
    activity = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    project = serializers.UUIDField(required=False, allow_null=True)
    project_code = serializers.CharField(max_length=32, required=False, allow_null=True, allow_blank=True)
    task = serializers.UUIDField(required=False, allow_null=True)
    billable = serializers.BooleanField(required=False, allow_null=True)


class SessionCreateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    laps = LapInput(
        many=True, required=False, max_length=500, help_text="Recorded laps: the session is created stopped."
    )
    group = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="A group you belong to: a planned group session, as `POST /groups/{id}/sessions/` makes.",
    )

    def validate(self, attrs):
        if attrs.get("group") and attrs.get("laps"):
            message = "A group session is created planned; add laps after creating it."
            raise serializers.ValidationError({"laps": [message]})
        return attrs


class SessionUpdateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    laps = LapInput(many=True, max_length=500, help_text="Replaces the owner's laps: listed ids are kept.")


class SessionLapsInput(serializers.Serializer):
    """The laps of a PATCH, checked as complete laps: a list of laps replaces the whole set."""

    laps = LapInput(many=True, max_length=500)


class SessionLogInput(serializers.Serializer):
    start_utc = TrackingDateTimeField()
    end_utc = TrackingDateTimeField(required=False, help_text="Give this or `duration`.")
    duration = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_LOG_SECONDS, help_text="Seconds; give this or `end_utc`."
    )
    activity = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    project = serializers.UUIDField(required=False, allow_null=True)
    project_code = serializers.CharField(max_length=32, required=False, allow_null=True, allow_blank=True)
    task = serializers.UUIDField(required=False, allow_null=True)
    billable = serializers.BooleanField(required=False, allow_null=True)

    def validate(self, attrs):
        if ("end_utc" in attrs) == ("duration" in attrs):
            raise serializers.ValidationError({"end_utc": ["Give exactly one of end_utc and duration."]})
        return attrs


class SessionParticipantOutput(serializers.Serializer):
    user = serializers.UUIDField(source="participant.user.uuid")
    email = serializers.EmailField(source="participant.user.email")
    display_name = serializers.CharField(source="participant.user.name")
    is_owner = serializers.BooleanField()
    joined_at = AwareDateTimeField(source="participant.joined_at")
    left_at = AwareDateTimeField(source="participant.left_at", allow_null=True)
    seconds = serializers.IntegerField(help_text="Time this participant logged in the session.")
    minutes = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.INT)
    def get_minutes(self, row) -> int:
        return row.seconds // 60
