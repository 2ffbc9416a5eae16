"""Just Like Clockwork's shapes: camelCase sessions and laps, and its local-time strings.

JLC sends most times as `Date.toLocaleString()` in the browser's locale, without an offset
(`2/8/2025, 3:30:00 PM`, `08/02/2025, 15:30:00`, `8/2/2025, 3:30:00 pm`, `8.2.2025, 15:30:00`),
sometimes as ISO 8601 with `Z`. A time without an offset is read as wall-clock time in the
account's time zone (`User.timezone`), never as UTC by accident; a string that is no time at all
is refused (the original silently used "now")."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from config.api.fields import AwareDateTimeField, aware_in_range
from config.errors import ValidationFailed
from tracking.models import LapImage, Session, SessionStatus, TimeEntry

_when = AwareDateTimeField()
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
# Locale layouts, by what tells them apart: an upper-case AM/PM is en-US (month first); a
# lower-case am/pm is en-IN or en-AU (day first); a 24-hour clock with slashes is en-GB (day
# first); dots are de-DE. Each falls back to the other order when the first cannot be a date.
_UPPER_12H = ("%m/%d/%Y, %I:%M:%S %p", "%d/%m/%Y, %I:%M:%S %p")
_LOWER_12H = ("%d/%m/%Y, %I:%M:%S %p", "%m/%d/%Y, %I:%M:%S %p")
_24H = ("%d/%m/%Y, %H:%M:%S", "%m/%d/%Y, %H:%M:%S", "%d.%m.%Y, %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d.%m.%Y %H:%M:%S")


def iso(value) -> str | None:
    return _when.to_representation(value)


def client_time(value: str, *, zone_name: str, field: str) -> datetime:
    """An aware UTC datetime from one of JLC's time strings; a naive one is wall-clock time in
    `zone_name`. A 400 naming `field` when it is not a time."""
    text = _SPACES.sub(" ", str(value)).strip()
    moment = None
    try:
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        upper = text.endswith(("AM", "PM"))
        lower = text.endswith(("am", "pm"))
        layouts = _UPPER_12H if upper else _LOWER_12H if lower else _24H
        for layout in layouts:
            try:
                moment = datetime.strptime(text, layout)
                break
            except ValueError:
                continue
    if moment is None:
        message = f"Not a date and time: {text[:40]!r}."
        raise ValidationFailed(f"{field}: {message}", fields={field: [message]})
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone_name))
    result = aware_in_range(moment)
    if result is None:
        message = "Must be between 1970 and 2999."
        raise ValidationFailed(f"{field}: {message}", fields={field: [message]})
    return result


def lap_end(*, start: datetime, ended: datetime | None, duration: int | None) -> datetime:
    """A lap's end: `endedAt`, else start plus `duration` seconds. A lap sent open with no time
    yet (JLC's offline sync sends its end in the next call) lasts one second until then."""
    if ended is not None:
        return ended
    return start + timedelta(seconds=max(duration or 0, 1))


# JLC's eight display settings and its original backend's defaults, in the order it listed them.
SETTINGS_DEFAULTS = {
    "showAmount": True,
    "showStatsBeforeLaps": False,
    "breaksImpactAmount": False,
    "breaksImpactTime": False,
    "minimalistMode": False,
    "notificationEnabled": True,
    "notificationIntervalHours": 2.0,
    "hourlyAmount": 450.0,
}


def settings_json(stored: dict) -> dict:
    """The flat settings object: what the account keeps for JLC, the original's default for
    anything never set (or not of the setting's type)."""
    return {
        name: stored[name] if type(stored.get(name)) is type(default) else default
        for name, default in SETTINGS_DEFAULTS.items()
    }


def _laps(session: Session) -> list[TimeEntry]:
    return sorted(session.laps.all(), key=lambda lap: (lap.start, lap.pk))


def image_json(link: LapImage, url: str) -> dict:
    image = link.image
    return {
        "imageId": str(image.uuid),
        "imageName": image.key.rsplit("/", 1)[-1],
        "lapId": str(link.lap.uuid),
        "url": url,
        "mimeType": image.content_type,
        "fileSize": image.byte_size,
        "createdAt": iso(link.created_at),
    }


def lap_json(lap: TimeEntry, number: int, images: list[dict], now: datetime) -> dict:
    seconds = lap.duration_seconds(now)
    return {
        "id": str(lap.uuid),
        "lapUuid": str(lap.uuid),
        "lapNumber": number,
        "lapName": lap.activity,
        "workDoneString": lap.activity,
        "startedAt": iso(lap.start),
        "endedAt": iso(lap.end),
        "duration": seconds,
        "currentHours": seconds // 3600,
        "currentMinutes": seconds % 3600 // 60,
        "currentSeconds": seconds % 60,
        "isActive": lap.end is None,
        "isBreakLap": not lap.billable,
        "hourlyAmount": None,
        "images": images,
    }


def session_json(session: Session, *, laps: list[dict] | None = None, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    rows = _laps(session)
    total = sum(lap.duration_seconds(now) for lap in rows)
    data = {
        "id": str(session.uuid),
        "sessionUuid": str(session.uuid),
        "sessionName": session.title,
        "description": session.notes,
        "startedAt": iso(session.started_at or session.created_at),
        "endedAt": iso(session.ended_at),
        "lapCount": len(rows),
        "totalSeconds": total,
        "totalDuration": total,
        "totalAmount": 0,
        "isActive": session.status != SessionStatus.STOPPED,
        "isCompleted": session.status == SessionStatus.STOPPED,
        "createdAt": iso(session.created_at),
        "updatedAt": iso(session.updated_at),
    }
    if laps is not None:
        data["laps"] = laps
    return data


class UsernameInput(serializers.Serializer):
    username = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class RefreshInput(serializers.Serializer):
    refreshToken = serializers.CharField()


class SessionListQuery(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=100, default=50)
    offset = serializers.IntegerField(min_value=0, default=0)


class SessionCreateInput(serializers.Serializer):
    sessionName = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class SessionUpdateInput(serializers.Serializer):
    sessionName = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    isCompleted = serializers.BooleanField(required=False)


class LapInput(serializers.Serializer):
    lapName = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    startedAt = serializers.CharField(max_length=64)
    endedAt = serializers.CharField(max_length=64, required=False, allow_null=True, allow_blank=True)
    duration = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    isBreakLap = serializers.BooleanField(required=False, default=False)


class LapUpdateInput(serializers.Serializer):
    lapName = serializers.CharField(max_length=200, required=False, allow_blank=True, allow_null=True)
    endedAt = serializers.CharField(max_length=64, required=False, allow_null=True, allow_blank=True)
    duration = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    isBreakLap = serializers.BooleanField(required=False)


class UploadInput(serializers.Serializer):
    file = serializers.FileField()


class Flag(serializers.BooleanField):
    """A JSON boolean, nothing that merely looks like one."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid")


class Number(serializers.FloatField):
    """A number or a numeric string (JLC's Settings page keeps the input's text, `"500"`); a
    boolean is no number."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class SettingsInput(serializers.Serializer):
    """A settings PUT: every field optional, null meaning "unchanged" as in the original;
    `customSettings` (the same object again) is not read."""

    showAmount = Flag(required=False, allow_null=True)
    showStatsBeforeLaps = Flag(required=False, allow_null=True)
    breaksImpactAmount = Flag(required=False, allow_null=True)
    breaksImpactTime = Flag(required=False, allow_null=True)
    minimalistMode = Flag(required=False, allow_null=True)
    notificationEnabled = Flag(required=False, allow_null=True)
    notificationIntervalHours = Number(required=False, allow_null=True, min_value=0, max_value=24 * 366)
    hourlyAmount = Number(required=False, allow_null=True, min_value=0, max_value=1_000_000_000)
