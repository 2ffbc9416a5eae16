"""The reports API: thin adapters from query parameters to the analytics selectors."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from analytics.api import serializers as s
from analytics.selectors.compliance import team_compliance
from analytics.selectors.detailed import Cursor, detailed_page
from analytics.selectors.scope import report_query
from analytics.selectors.summary import summary_report
from analytics.selectors.weekly import weekly_grid
from config.api.views import ApiView, parse_input

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
