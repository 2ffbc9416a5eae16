"""Logger's users and time entries, and how its free-text project codes are kept.

A lane title (`project_code`) that is the code of a Timekeep project books the entry on that
project. Any other text (Logger lets users type any lane title; Timekeep projects are shared and
created by staff) is kept in the entry's activity as a `[CODE] ` prefix and read back from there,
so the board shows the same lanes and reports still see what was typed."""

from __future__ import annotations

import re

from django.utils import timezone
from rest_framework import serializers

from accounts.models import User
from config.api.fields import AwareDateTimeField
from tracking.models import TimeEntry

MAX_ACTIVITY = 200
_PREFIXED = re.compile(r"^\[([^\]]*)\] ?(.*)$", re.DOTALL)
_when = AwareDateTimeField()


def iso(value) -> str | None:
    return _when.to_representation(value)


def user_json(user: User) -> dict:
    return {
        "id": str(user.uuid),
        "email": user.email,
        "is_active": user.is_active,
        "created_at": iso(user.date_joined),
        "updated_at": iso(user.date_joined),
    }


def lane_activity(code: str, activity: str) -> str:
    """The activity that keeps a lane title that is not a project code."""
    return f"[{code}] {activity}" if code else activity


def split_activity(entry: TimeEntry) -> tuple[str, str]:
    """(project_code, activity) as Logger shows the entry."""
    if entry.project_id is not None:
        return entry.project.code, entry.activity
    match = _PREFIXED.match(entry.activity)
    if match:
        return match[1], match[2]
    return "", entry.activity


def entry_json(entry: TimeEntry, now=None) -> dict:
    code, activity = split_activity(entry)
    return {
        "id": str(entry.uuid),
        "org_id": None,
        "user_id": str(entry.user.uuid),
        "project_code": code,
        "activity": activity,
        "start_utc": iso(entry.start),
        "end_utc": iso(entry.end),
        "seconds": entry.duration_seconds(now or timezone.now()),
        "notes": entry.notes,
        "created_at": iso(entry.created_at),
        "updated_at": iso(entry.updated_at),
        "running": entry.end is None,
    }


class RegisterInput(serializers.Serializer):
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(min_length=8, max_length=128, trim_whitespace=False)


class LoginInput(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class EntryInput(serializers.Serializer):
    project_code = serializers.CharField(max_length=64, required=False, allow_blank=True, allow_null=True)
    activity = serializers.CharField(max_length=MAX_ACTIVITY, required=False, allow_blank=True, allow_null=True)
    start_utc = AwareDateTimeField()
    end_utc = AwareDateTimeField(required=False, allow_null=True)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, allow_null=True)


class EntryPatchInput(EntryInput):
    start_utc = AwareDateTimeField(required=False)


class WindowInput(serializers.Serializer):
    # `from` is a keyword: declared through the class namespace.
    locals()["from"] = AwareDateTimeField(required=False)
    to = AwareDateTimeField(required=False)
    skip = serializers.IntegerField(required=False, min_value=0, default=0)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=500, default=100)
