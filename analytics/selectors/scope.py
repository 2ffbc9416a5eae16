"""What every report reads: the entries a requester may see, narrowed by the report's filters.

Visibility is tracking's (`time_entry_list`): a USER their own entries, a STAFF their direct
reports' and their own, an ADMIN everyone's. Naming a user outside that scope in `users=` is a
404, never a silently smaller report. An entry belongs to the report when it starts inside the
window; a running timer counts up to `now`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import User, UserSettings
from accounts.selectors import user_list
from analytics.selectors.search import EntryDocument, prefix_query
from analytics.selectors.sql import Rounding
from config.errors import NotFound
from tracking.models import TimeEntry
from tracking.selectors import time_entry_list

WORD = re.compile(r"\w+", re.UNICODE)
MAX_SEARCH_WORDS = 8
DEFAULT_ROUNDING_MINUTES = 15
# The weekday (Monday = 0) each week-start setting names.
WEEK_START_WEEKDAY = {"monday": 0, "sunday": 6, "saturday": 5}


@dataclass(frozen=True)
class ReportQuery:
    """One report's question. `zone` buckets days, weeks and months; `week_start` is the first
    day of a week (None: the actor's setting, read when a report needs it)."""

    actor: User
    start: datetime
    end: datetime
    zone: ZoneInfo
    now: datetime
    week_start: str | None = None
    users: tuple[UUID, ...] = ()
    projects: tuple[UUID, ...] = ()
    tasks: tuple[UUID, ...] = ()
    sessions: tuple[UUID, ...] = ()
    focus_groups: tuple[UUID, ...] = ()
    billable: bool | None = None
    search: str = ""
    rounding: Rounding | None = None


def user_zone(user: User) -> ZoneInfo:
    try:
        return ZoneInfo(user.timezone or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def week_start_of(user: User) -> str:
    """The user's first day of the week (Monday without settings). One query."""
    return UserSettings.objects.filter(user=user).values_list("week_start", flat=True).first() or "monday"


def visible_user_pks(*, actor: User, ids: tuple[UUID, ...]) -> tuple[int, ...]:
    """Primary keys of the users with public ids `ids`, all of whom `actor` must be allowed to
    see: NotFound (404) naming the first one outside their scope. One query."""
    found = dict(user_list(actor=actor).filter(uuid__in=ids).values_list("uuid", "pk"))
    missing = [str(uuid) for uuid in ids if uuid not in found]
    if missing:
        raise NotFound(
            "No user with this id that you may see.",
            code="user_not_found",
            fields={"users": [f"{missing[0]}: no user with this id that you may see."]},
        )
    return tuple(found[uuid] for uuid in ids)


def search_words(text: str) -> list[str]:
    return WORD.findall(text or "")[:MAX_SEARCH_WORDS]


def report_entries(query: ReportQuery, *, window: bool = True) -> QuerySet[TimeEntry]:
    """The entries of the report: visible to the actor, matching every filter and (with
    `window`) starting in [start, end). Raises NotFound for a user outside the actor's scope."""
    entries = time_entry_list(actor=query.actor).select_related(None)
    if window:
        entries = entries.filter(start__gte=query.start, start__lt=query.end)
    if query.users:
        entries = entries.filter(user_id__in=visible_user_pks(actor=query.actor, ids=query.users))
    if query.projects:
        entries = entries.filter(project__uuid__in=query.projects)
    if query.tasks:
        entries = entries.filter(task__uuid__in=query.tasks)
    if query.sessions:
        entries = entries.filter(session__uuid__in=query.sessions)
    if query.focus_groups:
        entries = entries.filter(session__group_link__group__uuid__in=query.focus_groups)
    if query.billable is not None:
        entries = entries.filter(billable=query.billable)
    if query.search:
        entries = _search(entries, query.search)
    return entries


def _search(entries: QuerySet[TimeEntry], text: str) -> QuerySet[TimeEntry]:
    """Every word must appear in the activity or the notes. PostgreSQL: full-text search with
    prefix matching (`meet` finds "meeting"), served by the GIN index of tracking's migration
    0004; SQLite: a case-insensitive substring per word."""
    words = search_words(text)
    if not words:
        return entries
    if connection.vendor == "postgresql":
        return entries.alias(document=EntryDocument()).filter(document=prefix_query(words))
    for word in words:
        entries = entries.filter(Q(activity__icontains=word) | Q(notes__icontains=word))
    return entries


def report_query(*, actor: User, params: Mapping[str, Any], now: datetime | None = None, **overrides) -> ReportQuery:
    """The ReportQuery for a report's validated query parameters (the API's names: `from`, `to`,
    `users`, `projects`, `tasks`, `session`, `group_id`, `billable`, `timezone`, `rounding`,
    `rounding_minutes`, `search`). Exports and shared reports keep those parameters and rebuild
    the query with this when they run. `overrides` replace fields of the result."""
    zone = ZoneInfo(params["timezone"]) if params.get("timezone") else user_zone(actor)
    rounding = None
    if params.get("rounding"):
        rounding = Rounding(params["rounding"], params.get("rounding_minutes") or DEFAULT_ROUNDING_MINUTES)
    fields = {
        "actor": actor,
        "start": params.get("from"),
        "end": params.get("to"),
        "zone": zone,
        "now": now or timezone.now(),
        "users": tuple(params.get("users") or ()),
        "projects": tuple(params.get("projects") or ()),
        "tasks": tuple(params.get("tasks") or ()),
        "sessions": tuple(params.get("session") or ()),
        "focus_groups": tuple(params.get("group_id") or ()),
        "billable": params.get("billable"),
        "search": params.get("search") or "",
        "rounding": rounding,
    }
    return ReportQuery(**{**fields, **overrides})


ID_LISTS = ("users", "projects", "tasks", "session", "group_id")
DATETIMES = ("from", "to")


def params_to_json(params: Mapping[str, Any]) -> dict[str, Any]:
    """Validated report parameters in a form JSON keeps (exports and shares store them)."""
    stored: dict[str, Any] = {}
    for name, value in params.items():
        if name in DATETIMES:
            stored[name] = value.isoformat()
        elif name in ID_LISTS:
            stored[name] = [str(item) for item in value]
        else:
            stored[name] = value
    return stored


def params_from_json(stored: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of `params_to_json`."""
    params: dict[str, Any] = {}
    for name, value in stored.items():
        if name in DATETIMES:
            params[name] = datetime.fromisoformat(value)
        elif name in ID_LISTS:
            params[name] = tuple(UUID(item) for item in value)
        else:
            params[name] = value
    return params
