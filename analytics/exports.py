"""Reports as files: CSV streamed row by row, XLSX written in constant memory.

A table is a header, an iterator of rows and the columns that hold hours. The detailed table
reads the entries through a server-side cursor (`iterator(chunk_size=EXPORT_CHUNK_ROWS)`) and
never holds more than one chunk; its last row is the total, summed while the rows go by, so it
is the summary's total (the same per-entry seconds, rounded in SQL the same way). Times are ISO
8601 in the report's zone; durations are given in hours with two decimals and in seconds.

Text a person typed (activity, notes, names) can start with `=`, `+`, `-` or `@`, which a
spreadsheet would run as a formula: in CSV such a cell gets a leading `'` (OWASP's advice); in
XLSX every text is written as a string, never a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

import xlsxwriter
from django.conf import settings
from django.db.models import F

from analytics.selectors.scope import ReportQuery, report_entries
from analytics.selectors.sql import entry_seconds, rounded_seconds
from analytics.selectors.summary import Summary

DETAILED_HEADER = [
    "id",
    "date",
    "start",
    "end",
    "user",
    "email",
    "project_code",
    "project",
    "task",
    "activity",
    "notes",
    "billable",
    "hours",
    "seconds",
]
SUMMARY_HEADER = [
    "group",
    "group_key",
    "sub_group",
    "sub_group_key",
    "hours",
    "seconds",
    "billable_hours",
    "billable_seconds",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_FLUSH_ROWS = 1000


@dataclass
class Table:
    title: str
    header: list[str]
    rows: Iterator[list[Any]]
    hours_columns: frozenset[int] = field(default_factory=frozenset)
    text_columns: frozenset[int] = field(default_factory=frozenset)
    row_count: int = 0  # data rows, counted as they are read (the total row is not one)


def _hours(seconds: int) -> float:
    return round(seconds / 3600, 2)


def _local(moment: datetime | None, zone) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else ""


def detailed_table(query: ReportQuery) -> Table:
    """Every entry of the report, oldest first, then a total row."""
    seconds = rounded_seconds(entry_seconds(query.now), query.rounding)
    entries = (
        report_entries(query)
        .annotate(row_seconds=seconds, row_user_name=F("user__display_name"))
        .order_by("start", "pk")
        .values_list(
            "uuid",
            "start",
            "end",
            "row_user_name",
            "user__email",
            "project__code",
            "project__name",
            "task__name",
            "activity",
            "notes",
            "billable",
            "row_seconds",
        )
    )
    table = Table(
        title="Entries",
        header=DETAILED_HEADER,
        rows=iter(()),
        hours_columns=frozenset({12}),
        text_columns=frozenset({4, 7, 8, 9, 10}),
    )

    def rows() -> Iterator[list[Any]]:
        zone = query.zone
        total = 0
        count = 0
        for (
            uuid,
            start,
            end,
            name,
            email,
            code,
            project,
            task,
            activity,
            notes,
            billable,
            row_seconds,
        ) in entries.iterator(chunk_size=settings.EXPORT_CHUNK_ROWS):
            local_start = start.astimezone(zone)
            total += row_seconds
            count += 1
            yield [
                str(uuid),
                local_start.date().isoformat(),
                local_start.isoformat(timespec="seconds"),
                _local(end, zone),
                name or email.split("@", 1)[0],
                email,
                code or "",
                project or "",
                task or "",
                activity,
                notes,
                "true" if billable else "false",
                _hours(row_seconds),
                row_seconds,
            ]
        table.row_count = count
        yield ["Total", "", "", "", "", "", "", "", "", "", "", "", _hours(total), total]

    table.rows = rows()
    return table


def summary_table(summary: Summary) -> Table:
    """One row per group (per sub-group when there is one), then a total row."""

    def key(value) -> str:
        return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)

    def rows() -> Iterator[list[Any]]:
        for group in summary.groups:
            for child in group.groups or [None]:
                item = child or group
                yield [
                    group.label,
                    key(group.key),
                    child.label if child else "",
                    key(child.key) if child else "",
                    _hours(item.seconds),
                    item.seconds,
                    _hours(item.billable_seconds),
                    item.billable_seconds,
                ]
        yield [
            "Total",
            "",
            "",
            "",
            _hours(summary.seconds),
            summary.seconds,
            _hours(summary.billable_seconds),
            summary.billable_seconds,
        ]

    count = sum(max(1, len(group.groups)) for group in summary.groups)
    return Table(
        title="Summary",
        header=SUMMARY_HEADER,
        rows=rows(),
        hours_columns=frozenset({4, 6}),
        text_columns=frozenset({0, 2}),
        row_count=count,
    )


def _safe(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_chunks(table: Table) -> Iterator[bytes]:
    """The table as UTF-8 CSV, in chunks of CSV_FLUSH_ROWS rows (the header comes first, before
    any row is read)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.header)
    yield _drain(buffer)
    hours, texts = sorted(table.hours_columns), sorted(table.text_columns)
    for index, row in enumerate(table.rows, start=1):
        for column in hours:
            row[column] = f"{row[column]:.2f}"
        for column in texts:
            if row[column][:1] in FORMULA_STARTS:
                row[column] = _safe(row[column])
        writer.writerow(row)
        if index % CSV_FLUSH_ROWS == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    return data


def csv_write(table: Table, target: IO[bytes]) -> None:
    for chunk in csv_chunks(table):
        target.write(chunk)


def xlsx_write(table: Table, target: IO[bytes] | str) -> None:
    """The table as one worksheet. xlsxwriter's constant-memory mode writes each row to a
    temporary file as soon as the next one starts, so memory stays flat however many rows."""
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "in_memory": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    sheet = workbook.add_worksheet(table.title)
    bold = workbook.add_format({"bold": True})
    hours = workbook.add_format({"num_format": "0.00"})
    for column in table.hours_columns:
        sheet.set_column(column, column, 10, hours)
    sheet.write_row(0, 0, table.header, bold)
    bold_hours = workbook.add_format({"bold": True, "num_format": "0.00"})
    previous, last_index = None, 0
    for last_index, row in enumerate(table.rows, start=1):
        if previous is not None:
            sheet.write_row(last_index - 1, 0, previous)
        previous = row
    if previous is not None:  # the total row
        for column, value in enumerate(previous):
            sheet.write(last_index, column, value, bold_hours if column in table.hours_columns else bold)
    workbook.close()
