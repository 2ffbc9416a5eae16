"""Reports as files: CSV streamed row by row, XLSX written in constant memory.

A table is a header, an iterator of rows and the columns that hold hours. The detailed table
reads the entries through a server-side cursor (`iterator(chunk_size=EXPORT_CHUNK_ROWS)`) inside
one transaction and never holds more than one chunk; its last row is the total, summed while the
rows go by, so it is the summary's total (the same per-entry seconds, rounded in SQL the same
way). Times are ISO 8601 in the report's zone; durations are given in hours with two decimals
(halves rounded up) and in seconds.

On PostgreSQL the detailed CSV is PostgreSQL's own `COPY (SELECT ...) TO STDOUT (FORMAT csv)`:
the query gives each field as text (times in the report's zone, the formula guard) and COPY
quotes them as the csv module does; Python only turns each row's line end into CRLF and adds up
the seconds for the total row. SQLite's rows go through the csv module. Both write the same bytes.

Text a person typed (names, activity, notes) can start with `=`, `+`, `-` or `@`, which a
spreadsheet would run as a formula: in CSV such a cell gets a leading `'` (OWASP's advice); in
XLSX every text is written as a string, never a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, CharField, F, Func, Value, When
from django.db.models.functions import Cast

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
# Columns of DETAILED_HEADER a person typed, which a spreadsheet could take for a formula.
TEXT_FIELDS = (4, 5, 6, 7, 8, 9, 10)
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
# PostgreSQL: a text field with the formula guard.
SQL_GUARDED = "CASE WHEN left({0}, 1) IN ('=', '+', '-', '@', E'\\t', E'\\r') THEN '''' || {0} ELSE {0} END"
# COPY quotes a field that equals its NULL string, an empty string by default, where the csv
# module writes an empty field bare. The export's query yields no NULL, and none of its fields
# can be "=" (a text starting with "=" is guarded), so with NULL '=' COPY quotes exactly what the
# csv module quotes (QUOTE_MINIMAL: a field holding a comma, a double quote, CR or LF, its double
# quotes doubled).
COPY_CSV = "COPY ({}) TO STDOUT WITH (FORMAT csv, NULL '=')"


@dataclass
class Table:
    title: str
    header: list[str]
    rows: Iterator[list[Any]]
    hours_columns: frozenset[int] = field(default_factory=frozenset)
    text_columns: frozenset[int] = field(default_factory=frozenset)
    row_count: int = 0  # data rows, counted as they are read (the total row is not one)
    # CSV already written, header and total included (PostgreSQL writes the detailed lines).
    csv_lines: Iterator[bytes] | None = None


def _hundredths(seconds: int) -> int:
    """Hours to two decimals, halves rounded up, in integers: the same on every path."""
    return (seconds * 100 + 1800) // 3600


def _hours(seconds: int) -> float:
    return _hundredths(seconds) / 100


def _hours_text(seconds: int) -> str:
    hundredths = _hundredths(seconds)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def _local(moment: datetime | None, zone) -> str:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else ""


class LocalTimestamp(Func):
    """PostgreSQL: an instant as ISO 8601 text, to the second, in the session's time zone with
    its offset (`2025-10-26T02:30:00+01:00`); the export sets zone and date style for its own
    transaction. The text cast writes a whole-hour offset as `+01` (22 characters): padding to 25
    with `:00` completes it, and leaves `+05:30` alone. (The cast costs a fraction of `to_char`,
    which would double the export's time in the database.)"""

    template = "rpad(replace(date_trunc('second', %(expressions)s)::text, ' ', 'T'), 25, ':00')"
    output_field = CharField()


class LocalDay(Func):
    """PostgreSQL: the calendar day of an instant in the session's time zone, as text."""

    template = "(%(expressions)s)::date::text"
    output_field = CharField()


class OrBlank(Func):
    """The text, or an empty string for NULL (a literal, so CsvLine may repeat it)."""

    template = "COALESCE(%(expressions)s, '')"
    output_field = CharField()


class PersonName(Func):
    """The display name, or the e-mail address's local part when it is blank (as User.name)."""

    output_field = CharField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        (name, name_params), (email, email_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return f"COALESCE(NULLIF({name}, ''), split_part({email}, '@', 1))", [*name_params, *email_params]


class FormulaGuard(Func):
    """PostgreSQL: a text a person typed, with a leading `'` when a spreadsheet would take it
    for a formula (as `_safe` does)."""

    output_field = CharField()
    arity = 1

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        # The field's SQL appears three times in the guard: it must carry no parameters.
        if params:
            raise ValueError("FormulaGuard takes an expression without parameters")
        return SQL_GUARDED.format(f"({sql})"), []


class HoursText(Func):
    """PostgreSQL: whole seconds as hours with two decimals, halves rounded up, in integers as
    `_hundredths` does (a bigint times 0.01 is a numeric with exactly two decimals: `1.50`)."""

    template = "((%(expressions)s) * 100 + 1800) / 3600 * 0.01"
    output_field = CharField()


TEXT_COLUMNS = {
    "row_user_name": F("user__display_name"),
    "row_email": F("user__email"),
    "row_project_code": F("project__code"),
    "row_project_name": F("project__name"),
    "row_task": F("task__name"),
    "row_activity": F("activity"),
    "row_notes": F("notes"),
    "row_billable": F("billable"),
}


@contextmanager
def _session_zone(name: str | None) -> Iterator[None]:
    """Inside an atomic block: the session's time zone (and the ISO date style) for the block,
    put back when it ends normally. When it ends with an error, rolling the block back undoes
    the change as well. SET LOCAL alone would last to the end of an outer transaction, and
    Django reads timestamps assuming the session's own zone. `None`: nothing to change."""
    if name is None:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('TimeZone'), current_setting('DateStyle')")
        zone, style = cursor.fetchone()
        cursor.execute("SELECT set_config('TimeZone', %s, true), set_config('DateStyle', 'ISO', true)", [name])
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('TimeZone', %s, true), set_config('DateStyle', %s, true)", [zone, style])


def detailed_table(query: ReportQuery) -> Table:
    """Every entry of the report, oldest first, then a total row: fields, for XLSX (and for CSV
    outside PostgreSQL).

    The rows come through a server-side cursor inside one transaction (outside one, PostgreSQL
    would build the whole result before the first row: a cursor held past its transaction is
    materialised). On PostgreSQL the database writes the times as text in the report's zone
    (set for that transaction only); elsewhere Python does."""
    seconds = rounded_seconds(entry_seconds(query.now), query.rounding)
    in_database = connection.vendor == "postgresql"
    if in_database:
        times = {
            "row_id": Cast("uuid", CharField()),
            "row_day": LocalDay("start"),
            "row_start": LocalTimestamp("start"),
            "row_end": LocalTimestamp("end"),
        }
    else:
        times = {"row_id": F("uuid"), "row_day": F("start"), "row_start": F("start"), "row_end": F("end")}
    entries = (
        report_entries(query)
        .annotate(**times, **TEXT_COLUMNS, row_seconds=seconds)
        .order_by("start", "pk")
        .values_list(*times, *TEXT_COLUMNS, "row_seconds")
    )
    table = Table(
        title="Entries",
        header=DETAILED_HEADER,
        rows=iter(()),
        hours_columns=frozenset({12}),
        text_columns=frozenset(TEXT_FIELDS),
    )

    def rows() -> Iterator[list[Any]]:
        total = count = 0
        zone = query.zone
        with transaction.atomic(), _session_zone(zone.key if in_database else None):
            for (
                uuid,
                day,
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
                if not in_database:
                    uuid, start = str(uuid), start.astimezone(zone)
                    day, start, end = start.date().isoformat(), start.isoformat(timespec="seconds"), _local(end, zone)
                total += row_seconds
                count += 1
                yield [
                    uuid,
                    day,
                    start,
                    end or "",
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


def detailed_csv_table(query: ReportQuery) -> Table:
    """The detailed export for CSV: on PostgreSQL, `COPY (SELECT ...) TO STDOUT` of the fields
    as text (see the module's docstring); elsewhere `detailed_table`.

    The COPY runs inside one transaction, with the report's zone set for that transaction only,
    and its rows are passed on as they arrive, a chunk per CSV_FLUSH_ROWS rows: memory holds one
    chunk, and the header goes out before the query runs."""
    if connection.vendor != "postgresql":
        return detailed_table(query)
    seconds = rounded_seconds(entry_seconds(query.now), query.rounding)
    fields = {
        "row_id": F("uuid"),
        "row_day": LocalDay("start"),
        "row_start": LocalTimestamp("start"),
        "row_end": OrBlank(LocalTimestamp("end")),
        "row_user_name": FormulaGuard(PersonName("user__display_name", "user__email")),
        "row_email": FormulaGuard(F("user__email")),
        "row_project_code": FormulaGuard(OrBlank("project__code")),
        "row_project_name": FormulaGuard(OrBlank("project__name")),
        "row_task": FormulaGuard(OrBlank("task__name")),
        "row_activity": FormulaGuard(F("activity")),
        "row_notes": FormulaGuard(F("notes")),
        "row_billable": Case(When(billable=True, then=Value("true")), default=Value("false")),
        "row_hours": HoursText(seconds),
        "row_seconds": seconds,
    }
    entries = report_entries(query).annotate(**fields).order_by("start", "pk").values_list(*fields)
    sql, params = entries.query.sql_with_params()
    table = Table(title="Entries", header=DETAILED_HEADER, rows=iter(()))

    def chunks() -> Iterator[bytes]:
        yield (",".join(DETAILED_HEADER) + "\r\n").encode()
        total = count = 0
        batch: list[bytes] = []
        with transaction.atomic(), _session_zone(query.zone.key), connection.cursor() as cursor:
            # COPY takes no bound parameters: the values go into the statement as literals,
            # quoted by the driver.
            statement = COPY_CSV.format(connection.ops.compose_sql(sql, params))
            with cursor.copy(statement) as copy:
                # libpq hands COPY's output over one row at a time, each ending in "\n" (a line
                # break inside a quoted field stays as it is, as the csv module writes it).
                for data in copy:
                    line = bytes(data)
                    total += int(line[line.rindex(b",") + 1 : -1])
                    batch.append(line[:-1])
                    if len(batch) == CSV_FLUSH_ROWS:
                        count += CSV_FLUSH_ROWS
                        batch.append(b"")
                        yield b"\r\n".join(batch)
                        batch = []
        table.row_count = count + len(batch)
        batch.append(f"Total,,,,,,,,,,,,{_hours_text(total)},{total}\r\n".encode())
        yield b"\r\n".join(batch)

    table.csv_lines = chunks()
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
    if table.csv_lines is not None:
        yield from table.csv_lines
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.header)
    yield _drain(buffer)
    hours, texts = sorted(table.hours_columns), sorted(table.text_columns)
    for index, row in enumerate(table.rows, start=1):
        for column in hours:
            row[column] = f"{row[column]:.2f}"  # a whole number of hundredths (_hours)
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
    # xlsxwriter (about 2 MB) is imported by the request or task that writes a workbook, not by
    # every process.
    import xlsxwriter

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
