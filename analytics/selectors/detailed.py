"""The detailed report: the entries themselves, newest first, one keyset page at a time.

A page is "the next N entries after (start, id)" in (start, id) order, read from the index on
`start` (or (user, start)) from that point on, so page 5,000 costs what page 1 costs; no COUNT
and no OFFSET. The cursor carries the (start, id) of the row at the page's edge and the
direction. Each row's seconds are computed in SQL exactly as the summary computes them.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q

from analytics.selectors.scope import ReportQuery, report_entries
from analytics.selectors.sql import entry_seconds, rounded_seconds
from config.errors import ValidationFailed

COLUMNS = {
    "entry_id": F("uuid"),
    "entry_start": F("start"),
    "entry_end": F("end"),
    "entry_activity": F("activity"),
    "entry_notes": F("notes"),
    "entry_billable": F("billable"),
    "row_user_id": F("user__uuid"),
    "row_user_name": F("user__display_name"),
    "row_user_email": F("user__email"),
    "row_project_id": F("project__uuid"),
    "row_project_code": F("project__code"),
    "row_project_name": F("project__name"),
    "row_task_id": F("task__uuid"),
    "row_task_name": F("task__name"),
    "row_session_id": F("session__uuid"),
}


@dataclass(frozen=True)
class Cursor:
    start: datetime
    pk: int
    before: bool = False

    def encode(self) -> str:
        text = f"{'b' if self.before else 'a'}|{self.start.isoformat()}|{self.pk}"
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        invalid = ValidationFailed("This cursor is not valid.", code="invalid_cursor", fields={"cursor": ["Invalid."]})
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            direction, start, pk = raw.split("|")
            cursor = cls(datetime.fromisoformat(start), int(pk), direction == "b")
        except (ValueError, UnicodeDecodeError, binascii.Error):
            raise invalid from None
        if direction not in {"a", "b"} or cursor.start.tzinfo is None:
            raise invalid
        return cursor


@dataclass(frozen=True)
class DetailedPage:
    rows: list[dict]
    next: Cursor | None
    previous: Cursor | None


def detailed_page(*, query: ReportQuery, cursor: Cursor | None, size: int) -> DetailedPage:
    """Up to `size` entries after (or, for a `before` cursor, before) the cursor. One query (plus
    one to check `users=` when given)."""
    seconds = entry_seconds(query.now)
    entries = report_entries(query).annotate(
        **COLUMNS,
        keyset_pk=F("pk"),
        entry_duration=seconds,
        entry_seconds=rounded_seconds(seconds, query.rounding),
    )
    before = cursor is not None and cursor.before
    if cursor is None:
        entries = entries.order_by("-start", "-pk")
    elif before:
        # `start >=` bounds the index scan; the OR breaks ties on the same start by id.
        entries = entries.filter(Q(start__gt=cursor.start) | Q(start=cursor.start, pk__gt=cursor.pk))
        entries = entries.filter(start__gte=cursor.start).order_by("start", "pk")
    else:
        entries = entries.filter(Q(start__lt=cursor.start) | Q(start=cursor.start, pk__lt=cursor.pk))
        entries = entries.filter(start__lte=cursor.start).order_by("-start", "-pk")
    rows = list(entries.values(*COLUMNS, "keyset_pk", "entry_duration", "entry_seconds")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if before:
        rows.reverse()
    if not rows:
        return DetailedPage(rows=[], next=None, previous=None)
    first, last = rows[0], rows[-1]
    has_next = more if not before else True
    has_previous = more if before else cursor is not None
    return DetailedPage(
        rows=[_shape(row, query) for row in rows],
        next=Cursor(last["entry_start"], last["keyset_pk"]) if has_next else None,
        previous=Cursor(first["entry_start"], first["keyset_pk"], before=True) if has_previous else None,
    )


def _shape(row: dict, query: ReportQuery) -> dict:
    return {
        "id": row["entry_id"],
        "user": {"id": row["row_user_id"], "name": row["row_user_name"] or row["row_user_email"].split("@")[0]},
        "project": (
            {"id": row["row_project_id"], "code": row["row_project_code"], "name": row["row_project_name"]}
            if row["row_project_id"]
            else None
        ),
        "task": {"id": row["row_task_id"], "name": row["row_task_name"]} if row["row_task_id"] else None,
        "session": row["row_session_id"],
        "activity": row["entry_activity"],
        "notes": row["entry_notes"],
        "billable": row["entry_billable"],
        "start_utc": row["entry_start"],
        "end_utc": row["entry_end"],
        "running": row["entry_end"] is None,
        "date": row["entry_start"].astimezone(query.zone).date(),
        "duration": row["entry_duration"],
        "seconds": row["entry_seconds"],
    }
