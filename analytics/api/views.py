"""The reports API: thin adapters from query parameters to the analytics selectors."""

from __future__ import annotations

import tempfile

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from analytics.api import serializers as s
from analytics.exports import Table, csv_chunks, xlsx_write
from analytics.models import ExportFormat, ExportJob, ExportKind, ReportShare
from analytics.selectors.calendar import calendar_feed_by_token, calendar_feed_ics
from analytics.selectors.compliance import team_compliance
from analytics.selectors.dashboard import dashboard
from analytics.selectors.detailed import Cursor, detailed_page
from analytics.selectors.exports import detailed_rows_exceed, export_job_list
from analytics.selectors.scope import report_query
from analytics.selectors.shares import report_share_list, shared_summary
from analytics.selectors.summary import summary_report
from analytics.selectors.time_account import time_account
from analytics.selectors.weekly import weekly_grid
from analytics.services.calendar import calendar_feed_get_or_create, calendar_feed_rotate
from analytics.services.exports import CONTENT_TYPES, export_job_create, export_table
from analytics.services.shares import report_share_create, report_share_revoke
from config.api.views import ApiView, ScopedViewSet, parse_input
from config.errors import NotFound

REPORTS = ["reports"]


class SummaryReportView(ApiView):
    @extend_schema(
        operation_id="reports_summary",
        tags=REPORTS,
        parameters=[s.SummaryQueryInput],
        responses=s.SummaryOutput,
        description="Time per group and sub-group (user, project, task, activity, billable, day, week, month, "
        "focus_group) for entries starting in the window. Days, weeks and months are counted in `timezone`; "
        "running timers count up to now; with `rounding` each entry is rounded before it is summed, so "
        "every total is the sum of its rounded lines. A user in `users` you may not see is a 404.",
    )
    def get(self, request):
        data = parse_input(s.SummaryQueryInput, request.query_params)
        summary = summary_report(
            query=report_query(actor=request.user, params=data), group=data["group"], sub_group=data.get("sub_group")
        )
        return Response(s.SummaryOutput(summary).data)


class DetailedReportView(ApiView):
    @extend_schema(
        operation_id="reports_detailed",
        tags=REPORTS,
        parameters=[s.DetailedQueryInput],
        responses=s.DetailedPageOutput,
        description="The entries of the summary, newest first, with the same filters plus `search`. Cursor "
        "pagination: follow `next` and `previous`; every page costs the same, however deep.",
    )
    def get(self, request):
        data = parse_input(s.DetailedQueryInput, request.query_params)
        cursor = Cursor.decode(data["cursor"]) if data.get("cursor") else None
        page = detailed_page(query=report_query(actor=request.user, params=data), cursor=cursor, size=data["page_size"])
        url = request.build_absolute_uri()

        def link(position):
            return replace_query_param(url, "cursor", position.encode()) if position else None

        return Response(
            s.DetailedPageOutput({"next": link(page.next), "previous": link(page.previous), "results": page.rows}).data
        )


class WeeklyReportView(ApiView):
    @extend_schema(
        operation_id="reports_weekly",
        tags=REPORTS,
        parameters=[s.WeeklyQueryInput],
        responses=s.WeeklyOutput,
        description="Seconds per user and project for each day of an ISO week (Monday to Sunday in `timezone`).",
    )
    def get(self, request):
        data = parse_input(s.WeeklyQueryInput, request.query_params)
        grid = weekly_grid(query=report_query(actor=request.user, params=data), week=data.get("week"))
        return Response(s.WeeklyOutput(grid).data)


class ComplianceReportView(ApiView):
    @extend_schema(
        operation_id="reports_compliance",
        tags=REPORTS,
        parameters=[s.TeamComplianceQueryInput],
        responses=s.TeamComplianceOutput,
        description="For every user you may see (yourself; a STAFF member's reports; everyone for an ADMIN), "
        "the breaches of the working-time rules whose period overlaps the window: weekly and daily maximum, "
        "minimum daily rest, in each person's own days and weeks. The rules are tracking's.",
    )
    def get(self, request):
        data = parse_input(s.TeamComplianceQueryInput, request.query_params)
        report = team_compliance(actor=request.user, start=data["from"], end=data["to"], users=data.get("users", ()))
        return Response(s.TeamComplianceOutput(report).data)


class FormatIsAParameter(DefaultContentNegotiation):
    """Here `?format=csv|xlsx` names the file to write, not a renderer: errors stay JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def file_response(table: Table, file_format: str, filename: str) -> HttpResponseBase:
    """CSV streams while the cursor is read; XLSX is written to a temporary file (constant
    memory) and then streamed from it."""
    if file_format == ExportFormat.CSV:
        response = StreamingHttpResponse(csv_chunks(table), content_type="text/csv; charset=utf-8")
    else:
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it when sent
        xlsx_write(table, handle)
        handle.seek(0)
        response = FileResponse(handle, content_type=CONTENT_TYPES[ExportFormat.XLSX])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def export_filename(data, query) -> str:
    first = data["from"].astimezone(query.zone).date()
    last = data["to"].astimezone(query.zone).date()
    return f"timekeep-{data['kind']}-{first:%Y%m%d}-{last:%Y%m%d}.{data['format']}"


def job_accepted(request, job) -> Response:
    # Django's reverse: DRF's would carry this request's `?format=` over to the job's URL.
    location = request.build_absolute_uri(reverse("analytics:export-detail", kwargs={"id": job.uuid}))
    return Response(s.ExportJobOutput(job).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location})


FILE_RESPONSES = {
    (200, "text/csv"): OpenApiTypes.BINARY,
    (200, CONTENT_TYPES[ExportFormat.XLSX]): OpenApiTypes.BINARY,
    (202, "application/json"): s.ExportJobOutput,
}


class ExportView(ApiView):
    content_negotiation_class = FormatIsAParameter

    @extend_schema(
        operation_id="reports_export",
        tags=REPORTS,
        parameters=[s.ExportQueryInput],
        responses=FILE_RESPONSES,
        description="The detailed or summary report as a CSV (streamed) or XLSX file, with a header row, times "
        "in the report's zone, hours (two decimals) and seconds, and a total row equal to the summary's. A "
        "detailed export of more than EXPORT_SYNC_MAX_ROWS entries answers 202 with a background export job "
        "(`Location` names it) instead.",
    )
    def get(self, request):
        data = parse_input(s.ExportQueryInput, request.query_params)
        query = report_query(actor=request.user, params=data)
        if data["kind"] == ExportKind.DETAILED and detailed_rows_exceed(query, settings.EXPORT_SYNC_MAX_ROWS):
            job = export_job_create(actor=request.user, format=data["format"], kind=data["kind"], params=data)
            return job_accepted(request, job)
        table = export_table(
            actor=request.user, kind=data["kind"], file_format=data["format"], params=data, now=query.now
        )
        return file_response(table, data["format"], export_filename(data, query))


@extend_schema(tags=REPORTS)
class ExportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Your background exports. Poll one until `status` is `done`, then fetch `download_url`."""

    serializer_class = s.ExportJobOutput
    filter_backends: list = []
    queryset = ExportJob.objects.none()

    def scope_queryset(self, request):
        return export_job_list(actor=request.user)

    @extend_schema(
        request=s.ExportQueryInput,
        responses={202: s.ExportJobOutput},
        description="Write a report to a file in the background (same parameters as the export). The file "
        "stays downloadable for EXPORT_RETENTION_HOURS; at most EXPORT_MAX_PENDING exports wait at once "
        "(409 `export_busy`).",
    )
    def create(self, request):
        data = parse_input(s.ExportQueryInput, request.data)
        report_query(actor=request.user, params=data)  # a user outside your scope is a 404 now, not a failed job
        job = export_job_create(actor=request.user, format=data["format"], kind=data["kind"], params=data)
        return job_accepted(request, job)


class TimeAccountView(ApiView):
    @extend_schema(
        operation_id="reports_time_account",
        tags=REPORTS,
        parameters=[s.TimeAccountQueryInput],
        responses=s.TimeAccountOutput,
        description="Expected hours (work pattern minus holidays; a half-day holiday halves the day), worked "
        "hours, approved leave (credited at the day's expected hours, half days halved) and the balance "
        "(worked + leave - expected) with its running total, per day, per ISO week and in total. Days are "
        "the person's own calendar days.",
    )
    def get(self, request):
        data = parse_input(s.TimeAccountQueryInput, request.query_params)
        account = time_account(actor=request.user, start=data["from"], end=data["to"], user_id=data.get("user"))
        return Response(s.TimeAccountOutput(account).data)


def feed_url(request, feed) -> dict:
    """`.../calendar/<token>.ics`, as calendar programs expect a feed to be named (the API's path
    middleware adds the trailing slash the route has)."""
    path = reverse("analytics:calendar-file", kwargs={"token": feed.token}).rstrip("/")
    return {"url": request.build_absolute_uri(path)}


@extend_schema(tags=["calendar"])
class CalendarFeedView(ApiView):
    @extend_schema(
        operation_id="calendar_feed",
        responses=s.CalendarFeedOutput,
        description="Your calendar feed's secret URL (made the first time you ask): leave, holidays, "
        "appointments and, with `?entries=true`, time entries. Anyone with the URL can read the feed.",
    )
    def get(self, request):
        return Response(s.CalendarFeedOutput(feed_url(request, calendar_feed_get_or_create(actor=request.user))).data)


@extend_schema(tags=["calendar"])
class CalendarFeedRotateView(ApiView):
    @extend_schema(
        operation_id="calendar_feed_rotate",
        request=None,
        responses=s.CalendarFeedOutput,
        description="Replace your feed's URL; the old one answers 404 from now on.",
    )
    def post(self, request):
        return Response(s.CalendarFeedOutput(feed_url(request, calendar_feed_rotate(actor=request.user))).data)


@extend_schema(tags=["calendar"])
class CalendarFileView(ApiView):
    """The feed itself. The token in the URL is the only credential (calendar programs send no
    other); an unknown or replaced token is a 404."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="calendar_file",
        parameters=[s.CalendarFileQueryInput],
        responses={(200, "text/calendar"): OpenApiTypes.BINARY},
        auth=[],
    )
    def get(self, request, token):
        data = parse_input(s.CalendarFileQueryInput, request.query_params)
        feed = calendar_feed_by_token(token)
        if feed is None:
            raise NotFound("No calendar feed at this address.")
        response = HttpResponse(
            calendar_feed_ics(user=feed.user, entries=data["entries"]), content_type="text/calendar; charset=utf-8"
        )
        response["Content-Disposition"] = 'inline; filename="timekeep.ics"'
        response["Cache-Control"] = "private, max-age=300"
        return response


@extend_schema(tags=REPORTS)
class ReportShareViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Read-only links to summary reports: yours (every link for an ADMIN)."""

    serializer_class = s.ReportShareOutput
    filter_backends: list = []
    queryset = ReportShare.objects.none()

    def scope_queryset(self, request):
        return report_share_list(actor=request.user)

    @extend_schema(
        request=s.ReportShareCreateInput,
        responses={201: s.ReportShareOutput},
        description="Share a summary report (the summary's parameters) through a link that expires at "
        "`expires_at` (at most REPORT_SHARE_MAX_DAYS ahead). Whoever opens it sees the report as you would "
        "see it then.",
    )
    def create(self, request):
        data = dict(parse_input(s.ReportShareCreateInput, request.data))
        title, expires_at = data.pop("title", ""), data.pop("expires_at", None)
        share = report_share_create(actor=request.user, params=data, title=title, expires_at=expires_at)
        return Response(self.get_serializer(share).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.ReportShareOutput, description="The link stops working now.")
    @action(detail=True, methods=["post"])
    def revoke(self, request, id=None):
        share = report_share_revoke(actor=request.user, share=self.get_object())
        return Response(self.get_serializer(share).data)


@extend_schema(tags=REPORTS)
class SharedReportView(ApiView):
    """A shared summary. The token in the URL is the only credential; an unknown, expired or
    revoked link is a 404."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(operation_id="reports_shared", responses=s.SharedSummaryOutput, auth=[])
    def get(self, request, token):
        return Response(s.SharedSummaryOutput(shared_summary(token=token)).data)


@extend_schema(tags=["dashboard"])
class DashboardView(ApiView):
    @extend_schema(
        operation_id="dashboard",
        responses=s.DashboardOutput,
        description="Your week: hours per day and top projects (your week start, your zone), the running timer, "
        "this year's leave balances, your next appointments and your focus groups' current period. A fixed "
        "number of queries.",
    )
    def get(self, request):
        board = dashboard(user=request.user)
        return Response(s.DashboardOutput(board, context={"user": request.user}).data)
