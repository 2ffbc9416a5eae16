"""Exports over HTTP: CSV streamed, XLSX in constant memory, big ones in the background."""

from __future__ import annotations

import csv
import io
import time
import urllib.request
from datetime import timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from analytics.models import ExportJob, ExportStatus
from analytics.services.exports import export_jobs_expire
from analytics.tests.conftest import utc
from analytics.tests.factories import ExportJobFactory
from media.services import media_sweep
from tracking.models import TimeEntry
from tracking.tests.factories import ProjectFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

EXPORT = reverse("analytics:report-export")
JOBS = reverse("analytics:export-list")
SUMMARY = reverse("analytics:report-summary")
OCTOBER = {"from": "2025-10-20T00:00:00+02:00", "to": "2025-11-03T00:00:00+01:00"}


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode())))


def read_xlsx(data: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_csv_export_streams_every_entry_with_local_times_and_the_summarys_total(
    client_for, berlin_user, berlin_entries
):
    client = client_for(berlin_user)
    params = {**OCTOBER, "rounding": "up", "rounding_minutes": 15}
    response = client.get(EXPORT, {**params, "format": "csv"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="timekeep-detailed-20251020-20251103.csv"' in response["Content-Disposition"]
    rows = read_csv(response)
    header, lines, total = rows[0], rows[1:-1], rows[-1]
    assert header[:4] == ["id", "date", "start", "end"] and header[-2:] == ["hours", "seconds"]
    assert len(lines) == 5
    first = dict(zip(header, lines[0], strict=True))
    assert first["start"] == "2025-10-25T23:50:00+02:00" and first["end"] == "2025-10-26T00:10:00+02:00"
    assert first["date"] == "2025-10-25"
    assert first["hours"] == "0.50" and first["seconds"] == "1800"  # 20 min rounded up to 30
    assert [dict(zip(header, line, strict=True))["start"] for line in lines][2] == "2025-10-26T02:30:00+01:00"
    summary = client.get(SUMMARY, params).json()
    assert total[0] == "Total"
    assert int(total[-1]) == summary["seconds"] == sum(int(line[-1]) for line in lines)
    assert total[-2] == f"{summary['seconds'] / 3600:.2f}" == "3.75"


def test_xlsx_export_opens_with_openpyxl_with_the_same_rows_and_total(client_for, berlin_user, berlin_entries):
    client = client_for(berlin_user)
    response = client.get(EXPORT, {**OCTOBER, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(b"".join(response.streaming_content))
    header, lines, total = rows[0], rows[1:-1], rows[-1]
    assert header[-2:] == ("hours", "seconds")
    assert len(lines) == 5
    assert [line[-1] for line in lines] == [20 * 60, 50 * 60, 61 * 60, 7 * 60, 44 * 60]
    assert lines[0][-2] == 0.33
    assert total[0] == "Total" and total[-1] == 182 * 60 == client.get(SUMMARY, OCTOBER).json()["seconds"]


def test_summary_export_has_a_row_per_sub_group_and_the_total(client_for, berlin_user, berlin_entries):
    client = client_for(berlin_user)
    params = {**OCTOBER, "group": "project", "sub_group": "day"}
    rows = read_csv(client.get(EXPORT, {**params, "kind": "summary"}))
    summary = client.get(SUMMARY, params).json()
    expected = [(g["label"], c["label"], c["seconds"]) for g in summary["groups"] for c in g["groups"]]
    assert [(row[0], row[2], int(row[5])) for row in rows[1:-1]] == expected
    assert rows[-1][0] == "Total" and int(rows[-1][5]) == summary["seconds"]
    sheet = read_xlsx(b"".join(client.get(EXPORT, {**params, "kind": "summary", "format": "xlsx"}).streaming_content))
    assert sheet[-1][5] == summary["seconds"]


def test_cells_that_would_run_as_formulas_stay_text(client_for, user):
    TimeEntryFactory(
        user=user,
        activity='=HYPERLINK("http://x")',
        notes="+1 call",
        start=utc(2025, 10, 21, 8),
        end=utc(2025, 10, 21, 9),
    )
    client = client_for(user)
    row = read_csv(client.get(EXPORT, OCTOBER))[1]
    assert '\'=HYPERLINK("http://x")' in row and "'+1 call" in row
    sheet = openpyxl.load_workbook(
        io.BytesIO(b"".join(client.get(EXPORT, {**OCTOBER, "format": "xlsx"}).streaming_content))
    )
    cell = sheet.active.cell(row=2, column=10)
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Kolkata", "UTC"])
def test_the_csv_is_what_the_csv_module_writes_for_awkward_values(client_for, zone):
    """On PostgreSQL the database writes the lines; they must be the csv module's, byte for
    byte: quotes, commas, line breaks, formula starts, half-hour offsets, fractions of a second,
    a running timer, no project, no display name."""
    person = UserFactory(display_name="", email="+plus@example.com", timezone=zone)
    project = ProjectFactory(code="Q1", name='Say "hi", then go')
    base = (timezone.now() - timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
    awkward = [
        ("Line one\nline two", "=SUM(A1)", project),
        ("-minus", 'a "quoted" word', None),
        ("@at, comma", "", project),
        ("plain", "tab\tinside", None),
    ]
    for index, (activity, notes, proj) in enumerate(awkward):
        start = base + timedelta(hours=index, microseconds=123456 * index)
        TimeEntryFactory(
            user=person,
            activity=activity,
            notes=notes,
            project=proj,
            start=start,
            end=start + timedelta(minutes=25, seconds=index),
        )
    running_start = timezone.now() - timedelta(minutes=3)
    TimeEntryFactory(user=person, activity="now", start=running_start, end=None)
    window = {"from": (base - timedelta(days=1)).isoformat(), "to": (timezone.now() + timedelta(days=1)).isoformat()}
    body = b"".join(client_for(person).get(EXPORT, {**window, "format": "csv"}).streaming_content).decode()
    local = ZoneInfo(zone)
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\r\n")
    writer.writerow(
        [
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
    )
    total = 0
    for entry in TimeEntry.objects.filter(user=person).order_by("start", "pk").select_related("project"):
        start = entry.start.astimezone(local)
        end = (entry.end or timezone.now()) - entry.start
        seconds = int(end.total_seconds())
        if entry.end is None:  # the running timer's length is the export's own "now"
            seconds = int(body.splitlines()[-2].rsplit(",", 1)[1])
        total += seconds
        hundredths = (seconds * 100 + 1800) // 3600

        def guard(text):
            return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text

        writer.writerow(
            [
                str(entry.uuid),
                start.date().isoformat(),
                start.isoformat(timespec="seconds"),
                entry.end.astimezone(local).isoformat(timespec="seconds") if entry.end else "",
                guard("+plus"),
                guard(person.email),
                entry.project.code if entry.project else "",
                guard(entry.project.name) if entry.project else "",
                "",
                guard(entry.activity),
                guard(entry.notes),
                "false",
                f"{hundredths // 100}.{hundredths % 100:02d}",
                seconds,
            ]
        )
    hundredths = (total * 100 + 1800) // 3600
    writer.writerow(["Total"] + [""] * 11 + [f"{hundredths // 100}.{hundredths % 100:02d}", total])
    assert body == expected.getvalue()
    # The export's time zone stayed inside it: this transaction reads times as before.
    assert TimeEntry.objects.filter(user=person).order_by("start").first().start == base


def test_exporting_someone_outside_your_scope_is_a_404(client_for, user, other_user):
    response = client_for(user).get(EXPORT, {**OCTOBER, "users": str(other_user.uuid)})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_a_bad_format_is_a_400(client_for, user):
    response = client_for(user).get(EXPORT, {**OCTOBER, "format": "pdf"})
    assert response.status_code == 400
    assert "format" in response.json()["error"]["fields"]


def test_a_large_export_goes_to_the_background_and_its_file_downloads(
    client_for, user, settings, local_media, django_capture_on_commit_callbacks
):
    settings.EXPORT_SYNC_MAX_ROWS = 2
    for day in range(3):
        TimeEntryFactory(user=user, start=utc(2025, 10, 21 + day, 8), end=utc(2025, 10, 21 + day, 9))
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(EXPORT, OCTOBER)
    assert response.status_code == 202
    job = response.json()
    assert response["Location"].endswith(f"/api/v1/reports/exports/{job['id']}/")
    done = client.get(response["Location"]).json()
    assert done["status"] == "done" and done["row_count"] == 3
    assert done["expires_at"] is not None
    download = Client().get(done["download_url"])
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert len(rows) == 5 and rows[-1][-1] == str(3 * 3600)
    assert [path.name for path in (local_media / "exports" / str(user.uuid)).iterdir()] == [f"{job['id']}.csv"]


def test_post_creates_an_export_job_and_a_user_sees_only_their_own(
    client_for, user, other_user, local_media, django_capture_on_commit_callbacks
):
    TimeEntryFactory(user=user, start=utc(2025, 10, 21, 8), end=utc(2025, 10, 21, 9))
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(JOBS, {**OCTOBER, "format": "xlsx", "kind": "summary", "group": "day"})
    assert response.status_code == 202, response.content
    job = client.get(response["Location"]).json()
    assert job["status"] == "done" and job["format"] == "xlsx" and job["row_count"] == 1
    assert job["params"]["group"] == "day"
    other = client_for(other_user)
    assert other.get(response["Location"]).status_code == 404
    assert other.get(JOBS).json()["results"] == []
    assert [item["id"] for item in client.get(JOBS).json()["results"]] == [job["id"]]


def test_at_most_export_max_pending_jobs_wait(client_for, user, settings):
    settings.EXPORT_MAX_PENDING = 2
    ExportJobFactory.create_batch(
        2, owner=user, status=ExportStatus.QUEUED, row_count=None, byte_size=None, finished_at=None, expires_at=None
    )
    response = client_for(user).post(JOBS, OCTOBER)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "export_busy"


def test_a_job_for_a_closed_account_fails_with_its_reason(user, local_media, django_capture_on_commit_callbacks):
    from analytics.services.exports import export_job_create, export_job_run

    job = export_job_create(
        actor=user, format="csv", kind="detailed", params={"from": utc(2025, 10, 1), "to": utc(2025, 11, 1)}
    )
    user.is_active = False
    user.save(update_fields=["is_active"])
    job = export_job_run(job_id=job.pk)
    assert job.status == ExportStatus.FAILED and "closed" in job.error
    assert export_job_run(job_id=job.pk) is None  # runs once


def test_expired_files_are_removed_and_media_sweep_keeps_the_live_ones(
    client_for, user, settings, local_media, django_capture_on_commit_callbacks
):
    settings.EXPORT_RETENTION_HOURS = 72
    TimeEntryFactory(user=user, start=utc(2025, 10, 21, 8), end=utc(2025, 10, 21, 9))
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        location = client.post(JOBS, OCTOBER)["Location"]
    job = ExportJob.objects.get()
    stored = local_media / job.key
    assert stored.exists()
    later = timezone.now() + timedelta(hours=48)  # older than MEDIA_ORPHAN_MAX_AGE_HOURS, not expired
    assert media_sweep(now=later).orphan_objects == 0 and stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert export_jobs_expire(now=timezone.now() + timedelta(hours=71)) == {"expired": 0, "abandoned": 0}
        assert export_jobs_expire(now=timezone.now() + timedelta(hours=73)) == {"expired": 1, "abandoned": 0}
        assert export_jobs_expire(now=timezone.now() + timedelta(hours=74)) == {"expired": 0, "abandoned": 0}
    assert not stored.exists()
    body = client.get(location).json()
    assert body["status"] == "expired" and body["download_url"] is None


def test_jobs_that_never_finished_are_failed_by_the_expiry_job(user):
    ExportJobFactory(
        owner=user,
        status=ExportStatus.RUNNING,
        row_count=None,
        byte_size=None,
        finished_at=None,
        expires_at=None,
        created_at=timezone.now() - timedelta(days=1),
    )
    assert export_jobs_expire() == {"expired": 0, "abandoned": 1}
    assert ExportJob.objects.get().status == ExportStatus.FAILED


@pytest.mark.celery_worker
def test_a_background_export_finishes_through_a_real_worker_and_downloads_from_s3(
    celery_worker_thread, s3_media, client_for, user, settings
):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    for day in range(3):
        TimeEntryFactory(user=user, start=utc(2025, 10, 21 + day, 8), end=utc(2025, 10, 21 + day, 9, 30))
    client = client_for(user)
    response = client.get(EXPORT, {**OCTOBER, "format": "xlsx"})
    assert response.status_code == 202
    deadline = time.monotonic() + 60
    while (job := client.get(response["Location"]).json())["status"] in {"queued", "running"}:
        assert time.monotonic() < deadline, job
        time.sleep(0.2)
    assert job["status"] == "done", job
    assert job["download_url"].startswith(s3_media.server.endpoint_url)
    with urllib.request.urlopen(job["download_url"], timeout=10) as download:  # noqa: S310 - the test's S3 server
        rows = read_xlsx(download.read())
    assert len(rows) == 5 and rows[-1][-1] == 3 * 90 * 60
    assert s3_media.keys() == [f"exports/{user.uuid}/{job['id']}.xlsx"]


def test_the_expiry_job_is_a_command_too(user):
    from io import StringIO

    from django.core.management import call_command

    ExportJobFactory(
        owner=user, created_at=timezone.now() - timedelta(days=2), expires_at=timezone.now() - timedelta(hours=1)
    )
    out = StringIO()
    call_command("expire_exports", stdout=out)
    assert "Removed 1 expired export files; failed 0 stalled jobs." in out.getvalue()
    assert ExportJob.objects.get().status == ExportStatus.EXPIRED


@pytest.mark.parametrize(("file_format", "kind"), [("csv", "detailed"), ("xlsx", "detailed"), ("csv", "summary")])
def test_an_export_costs_the_same_queries_for_2_or_20_entries(client_for, user, file_format, kind):
    client = client_for(user)
    b"".join(client.get(EXPORT, {**OCTOBER, "format": file_format, "kind": kind}).streaming_content)  # warm cache
    counts = []
    for made in (2, 20):
        have = TimeEntry.objects.filter(user=user).count()
        for index in range(have, made):
            start = utc(2025, 10, 21, 0) + timedelta(minutes=30 * index)
            TimeEntryFactory(user=user, start=start, end=start + timedelta(minutes=20))
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(EXPORT, {**OCTOBER, "format": file_format, "kind": kind})
            body = b"".join(response.streaming_content)
        assert body
        counts.append(len(queries))
    assert counts[0] == counts[1]
