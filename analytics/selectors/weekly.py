"""The weekly grid: one row per user and project, one column per local day of an ISO week.

The week runs Monday to Sunday in the report's zone (`2026-W48` names an ISO week, which starts
on Monday whatever a user's week-start setting says). One aggregate query groups the week's
entries by user, project and local day.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import F, Sum

from analytics.selectors.scope import ReportQuery, report_entries
from analytics.selectors.sql import LocalDate, entry_seconds, rounded_seconds


@dataclass
class GridRow:
    user: dict
    project: dict | None
    days: list[int] = field(default_factory=lambda: [0] * 7)

    @property
    def seconds(self) -> int:
        return sum(self.days)


@dataclass(frozen=True)
class WeeklyGrid:
    week: str
    first_day: date
    days: list[date]
    rows: list[GridRow]
    totals: dict[str, Any]
    query: ReportQuery


def week_window(first_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Local midnight of Monday to local midnight of the next Monday, as aware datetimes."""
    start = datetime.combine(first_day, time.min, tzinfo=zone)
    end = datetime.combine(first_day + timedelta(days=7), time.min, tzinfo=zone)
    return start, end


def weekly_grid(*, query: ReportQuery, week: date | None = None) -> WeeklyGrid:
    """The grid of the ISO week starting on Monday `week` (default: this week in `query.zone`);
    the query's own window is replaced by that week's. One query (plus one to check `users=`
    when given)."""
    today = query.now.astimezone(query.zone).date()
    first_day = week or today - timedelta(days=today.weekday())
    start, end = week_window(first_day, query.zone)
    query = replace(query, start=start, end=end)
    seconds = rounded_seconds(entry_seconds(query.now), query.rounding)
    aggregated = (
        report_entries(query)
        .annotate(
            local_day=LocalDate("start", query.zone),
            row_user_id=F("user__uuid"),
            row_user_name=F("user__display_name"),
            row_user_email=F("user__email"),
            row_project_id=F("project__uuid"),
            row_project_code=F("project__code"),
            row_project_name=F("project__name"),
        )
        .values(
            "local_day",
            "row_user_id",
            "row_user_name",
            "row_user_email",
            "row_project_id",
            "row_project_code",
            "row_project_name",
        )
        .annotate(total=Sum(seconds, default=0))
        .order_by()
    )
    rows: dict[tuple, GridRow] = {}
    for item in aggregated:
        key = (item["row_user_id"], item["row_project_id"])
        if key not in rows:
            project = None
            if item["row_project_id"]:
                project = {
                    "id": item["row_project_id"],
                    "code": item["row_project_code"],
                    "name": item["row_project_name"],
                }
            name = item["row_user_name"] or item["row_user_email"].split("@")[0]
            rows[key] = GridRow(user={"id": item["row_user_id"], "name": name}, project=project)
        rows[key].days[(item["local_day"] - first_day).days] += item["total"]
    ordered = sorted(
        rows.values(),
        key=lambda row: (
            row.user["name"].casefold(),
            str(row.user["id"]),
            row.project is None,
            (row.project or {}).get("code", ""),
        ),
    )
    day_totals = [sum(row.days[index] for row in ordered) for index in range(7)]
    year, number, _ = first_day.isocalendar()
    return WeeklyGrid(
        week=f"{year}-W{number:02d}",
        first_day=first_day,
        days=[first_day + timedelta(days=index) for index in range(7)],
        rows=ordered,
        totals={"days": day_totals, "seconds": sum(day_totals)},
        query=query,
    )
