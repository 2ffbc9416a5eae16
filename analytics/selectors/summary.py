"""The grouped report: time per group and sub-group, summed by the database in one query.

Each entry's seconds are computed (a running timer up to `now`) and rounded per entry in SQL,
then summed with GROUP BY over the chosen dimensions. The tree is built from the aggregated
rows, and every total is the sum of the rows under it, so a report's total is always the sum of
its groups and, with rounding, of its rounded lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.db.models import F, Q, QuerySet, Sum
from django.db.models.expressions import Expression

from analytics.selectors.scope import ReportQuery, report_entries, week_start_of
from analytics.selectors.sql import LocalDate, MonthStart, WeekStart, entry_seconds, rounded_seconds

USER, PROJECT, TASK, ACTIVITY, BILLABLE, DAY, WEEK, MONTH, FOCUS_GROUP = (
    "user",
    "project",
    "task",
    "activity",
    "billable",
    "day",
    "week",
    "month",
    "focus_group",
)
DIMENSIONS = (USER, PROJECT, TASK, ACTIVITY, BILLABLE, DAY, WEEK, MONTH, FOCUS_GROUP)
TIME_DIMENSIONS = (DAY, WEEK, MONTH)


@dataclass
class Group:
    key: Any
    label: str
    seconds: int = 0
    billable_seconds: int = 0
    groups: list[Group] = field(default_factory=list)
    order: tuple = ()


@dataclass(frozen=True)
class Summary:
    query: ReportQuery
    group_by: tuple[str, ...]
    seconds: int
    billable_seconds: int
    groups: list[Group]


@dataclass(frozen=True)
class Dimension:
    """How one dimension is read from the entries: the columns or expressions to group by
    (`values`), and how a row of those becomes a key, a label and a sort order."""

    values: dict[str, Expression | str]
    key: Callable[[dict], Any]
    label: Callable[[dict], str]
    order: Callable[[dict], tuple]


def _person(name: str, email: str) -> str:
    return name or (email or "").split("@", 1)[0]


def _text_order(label: str, missing: bool) -> tuple:
    return (missing, label.casefold())


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def week_label(first: date, week_start: str) -> str:
    if week_start == "monday":
        year, week, _ = first.isocalendar()
        return f"{year}-W{week:02d}"
    return f"Week of {first.isoformat()}"


def dimension(name: str, query: ReportQuery, prefix: str) -> Dimension:
    """The dimension `name`; its value names start with `prefix` so two levels never clash."""
    p = prefix
    if name == USER:
        return Dimension(
            {f"{p}id": "user__uuid", f"{p}name": "user__display_name", f"{p}email": "user__email"},
            key=lambda row: row[f"{p}id"],
            label=lambda row: _person(row[f"{p}name"], row[f"{p}email"]),
            order=lambda row: _text_order(_person(row[f"{p}name"], row[f"{p}email"]), False),
        )
    if name == PROJECT:
        return Dimension(
            {f"{p}id": "project__uuid", f"{p}code": "project__code", f"{p}name": "project__name"},
            key=lambda row: row[f"{p}id"],
            label=lambda row: f"{row[f'{p}code']} — {row[f'{p}name']}" if row[f"{p}id"] else "No project",
            order=lambda row: _text_order(row[f"{p}code"] or "", row[f"{p}id"] is None),
        )
    if name == TASK:
        return Dimension(
            {f"{p}id": "task__uuid", f"{p}name": "task__name", f"{p}code": "task__project__code"},
            key=lambda row: row[f"{p}id"],
            label=lambda row: f"{row[f'{p}name']} ({row[f'{p}code']})" if row[f"{p}id"] else "No task",
            order=lambda row: _text_order(f"{row[f'{p}code']} {row[f'{p}name']}", row[f"{p}id"] is None),
        )
    if name == ACTIVITY:
        return Dimension(
            {f"{p}value": "activity"},
            key=lambda row: row[f"{p}value"],
            label=lambda row: row[f"{p}value"] or "No activity",
            order=lambda row: _text_order(row[f"{p}value"], not row[f"{p}value"]),
        )
    if name == BILLABLE:
        return Dimension(
            {f"{p}value": "billable"},
            key=lambda row: row[f"{p}value"],
            label=lambda row: "Billable" if row[f"{p}value"] else "Not billable",
            order=lambda row: (not row[f"{p}value"],),
        )
    if name == FOCUS_GROUP:
        return Dimension(
            {f"{p}id": "session__group_link__group__uuid", f"{p}name": "session__group_link__group__name"},
            key=lambda row: row[f"{p}id"],
            label=lambda row: row[f"{p}name"] if row[f"{p}id"] else "No focus group",
            order=lambda row: _text_order(row[f"{p}name"] or "", row[f"{p}id"] is None),
        )
    local_day = LocalDate("start", query.zone)
    if name == DAY:
        return Dimension(
            {f"{p}date": local_day},
            key=lambda row: _iso(row[f"{p}date"]),
            label=lambda row: f"{row[f'{p}date']:%a %d %b %Y}",
            order=lambda row: (row[f"{p}date"],),
        )
    if name == WEEK:
        return Dimension(
            {f"{p}date": WeekStart(local_day, week_start=query.week_start)},
            key=lambda row: _iso(row[f"{p}date"]),
            label=lambda row: week_label(row[f"{p}date"], query.week_start),
            order=lambda row: (row[f"{p}date"],),
        )
    if name == MONTH:
        return Dimension(
            {f"{p}date": MonthStart(local_day)},
            key=lambda row: _iso(row[f"{p}date"]),
            label=lambda row: f"{row[f'{p}date']:%B %Y}",
            order=lambda row: (row[f"{p}date"],),
        )
    raise ValueError(f"unknown dimension {name!r}")


def grouped_rows(query: ReportQuery, dimensions: list[Dimension]) -> QuerySet:
    """The one aggregate: each combination of the dimensions' values with `entry_seconds` and
    `entry_billable_seconds` summed over its entries."""
    seconds = rounded_seconds(entry_seconds(query.now), query.rounding)
    columns = {
        name: F(value) if isinstance(value, str) else value for dim in dimensions for name, value in dim.values.items()
    }
    return (
        report_entries(query)
        .annotate(**columns)
        .values(*columns)
        .annotate(
            entry_seconds=Sum(seconds, default=0),
            entry_billable_seconds=Sum(seconds, filter=Q(billable=True), default=0),
        )
        .order_by()
    )


def summary_report(*, query: ReportQuery, group: str, sub_group: str | None = None) -> Summary:
    """Time in the window grouped by `group` and, inside each, by `sub_group`. One query (plus
    one to check `users=` when given, and one for the actor's week start when grouping by week
    without one)."""
    levels = [group] + ([sub_group] if sub_group else [])
    if WEEK in levels and query.week_start is None:
        query = replace(query, week_start=week_start_of(query.actor))
    dimensions = [dimension(name, query, f"g{level}_") for level, name in enumerate(levels)]
    outer_nodes: dict[Any, Group] = {}
    inner_nodes: dict[tuple, Group] = {}
    for row in grouped_rows(query, dimensions):
        outer = _node(outer_nodes, outer_nodes, dimensions[0], row)
        _add(outer, row)
        if len(dimensions) > 1:
            inner = _node(inner_nodes, outer, dimensions[1], row)
            _add(inner, row)
    groups = _sorted(list(outer_nodes.values()))
    for outer in groups:
        outer.groups = _sorted(outer.groups)
    return Summary(
        query=query,
        group_by=tuple(levels),
        seconds=sum(g.seconds for g in groups),
        billable_seconds=sum(g.billable_seconds for g in groups),
        groups=groups,
    )


def _node(nodes: dict, parent: dict | Group, dim: Dimension, row: dict) -> Group:
    """The group of `row` in `dim`, made (and attached to `parent`) the first time it is seen."""
    key = dim.key(row)
    index = key if isinstance(parent, dict) else (parent.key, key)
    if index not in nodes:
        nodes[index] = Group(key=key, label=dim.label(row), order=dim.order(row))
        if isinstance(parent, Group):
            parent.groups.append(nodes[index])
    return nodes[index]


def _add(node: Group, row: dict) -> None:
    node.seconds += row["entry_seconds"]
    node.billable_seconds += row["entry_billable_seconds"]


def _sorted(groups: list[Group]) -> list[Group]:
    return sorted(groups, key=lambda g: (g.order, str(g.key)))
