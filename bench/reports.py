"""Measure the reports and exports on the benchmark data set, each beside its own yardstick.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/timekeep_bench python bench/reports.py

Runs in one process against the loaded data set (bench/load_data.py), through Django's full
request stack (middleware, authentication, serialization) with the test client, so "server time"
is the time from the request entering Django to the last byte of the response leaving it:

- `summary_admin_year`: an ADMIN's summary of every user for 2025, grouped by project then
  user, against `EXPLAIN ANALYZE` of the very SQL it ran (target: at most 1.5x).
- `summary_staff_month`: a STAFF member's summary of their ten reports for March 2025, by user
  then day (target: under 50 ms).
- `export_csv_all`: the CSV export of all of 2025's entries, streamed (rows/s, time to the first
  byte, growth of the process's resident memory while it streams), against PostgreSQL's own
  `COPY (SELECT ...) TO STDOUT` of the same columns (target: at least 0.5x COPY's rows/s, first
  byte under 200 ms, memory growth under 100 MB).
- `export_xlsx`: the XLSX export of one month (or of the year with --xlsx-year), same memory bound.
- `time_account_year`: one user's time account for 2025 (queries, time).
- `detailed_deep_page`: the detailed report's first page and a page from the oldest end of the
  year (keyset: both should cost the same).

It makes two accounts under @bench.invalid (an ADMIN, and a STAFF member who manages ten
benchmark users for the length of the run) and removes the management links afterwards.
Prints one RESULT line per measurement and writes them to bench/results/reports.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("API_RATE_LIMIT_USER", "off")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from analytics.selectors.detailed import Cursor  # noqa: E402
from config.testing import bearer_client  # noqa: E402

DOMAIN = "bench.invalid"
YEAR = {"from": "2025-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z", "timezone": "UTC"}
MARCH = {"from": "2025-03-01T00:00:00Z", "to": "2025-04-01T00:00:00Z", "timezone": "UTC"}
REPORTS = 10
COPY_SQL = """
COPY (
    SELECT e.uuid, e.start, e."end", u.display_name, u.email, p.code, p.name, t.name, e.activity, e.notes,
           e.billable, FLOOR(date_part('epoch', COALESCE(e."end", now()) - e.start))::bigint
    FROM tracking_timeentry e
    JOIN accounts_user u ON u.id = e.user_id
    LEFT JOIN tracking_project p ON p.id = e.project_id
    LEFT JOIN tracking_task t ON t.id = e.task_id
    WHERE e.start >= '2025-01-01T00:00:00Z' AND e.start < '2026-01-01T00:00:00Z'
    ORDER BY e.start, e.id
) TO STDOUT (FORMAT csv)
"""


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def timed(call, runs: int) -> tuple[float, object]:
    """Median milliseconds of `runs` calls (after one warm-up call), and the last result."""
    result = call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), result


def queries_of(call) -> list[str]:
    """The SQL a call runs. The log is emptied first: each request empties it when it starts
    (Django's request_started signal), which would hide queries from a capture already open."""
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        call()
    return [query["sql"] for query in captured.captured_queries]


def account(email: str, role: str) -> User:
    user = User.objects.filter(email=email).first()
    return user or User.objects.create_user(email, None, role=role)


def ok(response):
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return response


def summary_admin_year(client: Client, runs: int) -> dict:
    params = {**YEAR, "group": "project", "sub_group": "user"}
    server_ms, _ = timed(lambda: ok(client.get("/api/v1/reports/summary/", params)), runs)
    sql = max(queries_of(lambda: ok(client.get("/api/v1/reports/summary/", params))), key=len)
    explain = []
    for _ in range(runs):
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            explain.append(cursor.fetchone()[0][0]["Execution Time"])
    explain_ms = statistics.median(explain)
    return {
        "server_ms": round(server_ms, 1),
        "explain_ms": round(explain_ms, 1),
        "ratio": round(server_ms / explain_ms, 2),
    }


def summary_staff_month(client: Client, runs: int) -> dict:
    params = {**MARCH, "group": "user", "sub_group": "day"}
    server_ms, response = timed(lambda: ok(client.get("/api/v1/reports/summary/", params)), runs)
    return {"server_ms": round(server_ms, 1), "people": len(response.json()["groups"])}


def copy_rows_per_second() -> dict:
    started = time.perf_counter()
    rows = 0
    with connection.cursor() as cursor, cursor.copy(COPY_SQL) as copy:
        for data in copy:
            rows += bytes(data).count(b"\n")
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds)}


def stream(client: Client, params: dict) -> dict:
    settings.EXPORT_SYNC_MAX_ROWS = 10**8  # stream everything: this measures the stream
    before = peak = rss_mb()
    started = time.perf_counter()
    response = ok(client.get("/api/v1/reports/export/", params))
    first_byte = None
    size = lines = 0
    for index, chunk in enumerate(response.streaming_content):
        if first_byte is None:
            first_byte = time.perf_counter() - started
        size += len(chunk)
        lines += chunk.count(b"\n")
        if index % 50 == 0:
            peak = max(peak, rss_mb())
    response.close()
    seconds = time.perf_counter() - started
    rows = lines - 2  # header and total
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "first_byte_ms": round(first_byte * 1000, 1),
        "mb": round(size / 2**20, 1),
        "rss_growth_mb": round(max(peak, rss_mb()) - before, 1),
    }


def export_xlsx(client: Client, params: dict) -> dict:
    settings.EXPORT_SYNC_MAX_ROWS = 10**8
    before = rss_mb()
    started = time.perf_counter()
    response = ok(client.get("/api/v1/reports/export/", {**params, "format": "xlsx"}))
    # The file is complete (written in constant memory) before the response starts.
    peak = rss_mb()
    size = sum(len(chunk) for chunk in response.streaming_content)
    response.close()
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "mb": round(size / 2**20, 1), "rss_growth_mb": round(peak - before, 1)}


def time_account_year(client: Client, user: User, runs: int) -> dict:
    params = {"from": "2025-01-01", "to": "2025-12-31", "user": str(user.uuid)}
    server_ms, _ = timed(lambda: ok(client.get("/api/v1/reports/time-account/", params)), runs)
    queries = queries_of(lambda: ok(client.get("/api/v1/reports/time-account/", params)))
    return {"server_ms": round(server_ms, 1), "queries": len(queries)}


def detailed_pages(client: Client, runs: int) -> dict:
    """Page 1 (the newest entries) and the last page (the oldest: a cursor at the year's first
    working day, about a million rows down)."""
    params = {**YEAR, "page_size": 50}
    first_ms, first = timed(lambda: ok(client.get("/api/v1/reports/detailed/", params)), runs)
    deep = {**params, "cursor": Cursor(datetime(2025, 1, 7, tzinfo=UTC), 0).encode()}
    deep_ms, last = timed(lambda: ok(client.get("/api/v1/reports/detailed/", deep)), runs)
    return {
        "first_page_ms": round(first_ms, 1),
        "last_page_ms": round(deep_ms, 1),
        "rows": [len(first.json()["results"]), len(last.json()["results"])],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement (median)")
    parser.add_argument("--xlsx-year", action="store_true", help="export the whole year as XLSX (slow)")
    parser.add_argument("--skip-export", action="store_true", help="leave out the two exports")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"))
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("The benchmark runs on PostgreSQL: set DATABASE_URL.")
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]  # the in-process client's host
    admin = account(f"bench-admin@{DOMAIN}", Role.ADMIN)
    staff = account(f"bench-staff@{DOMAIN}", Role.STAFF)
    people = User.objects.filter(email__startswith="bench0").order_by("email")
    team = list(people.values_list("pk", flat=True)[:REPORTS])
    User.objects.filter(pk__in=team).update(manager=staff)
    results: dict[str, dict] = {}
    try:
        admin_client, staff_client = bearer_client(admin), bearer_client(staff)
        results["summary_admin_year"] = summary_admin_year(admin_client, args.runs)
        results["summary_staff_month"] = summary_staff_month(staff_client, args.runs * 4)
        results["time_account_year"] = time_account_year(staff_client, User.objects.get(pk=team[0]), args.runs)
        results["detailed_pages"] = detailed_pages(admin_client, args.runs)
        if not args.skip_export:
            results["copy_baseline"] = copy_rows_per_second()
            results["export_csv_all"] = stream(admin_client, YEAR)
            results["export_csv_all"]["vs_copy"] = round(
                results["export_csv_all"]["rows_per_s"] / results["copy_baseline"]["rows_per_s"], 2
            )
            results["export_xlsx"] = export_xlsx(admin_client, YEAR if args.xlsx_year else MARCH)
    finally:
        User.objects.filter(pk__in=team, manager=staff).update(manager=None)
    for name, figures in results.items():
        print("RESULT", name, " ".join(f"{key}={value}" for key, value in figures.items()))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "reports.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
