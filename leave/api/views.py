from datetime import timedelta

from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.permissions import IsAdminRole
from config.api.pagination import PageNumberPagination
from config.api.views import ApiView, ScopedViewSet, parse_input
from config.errors import NotFound
from leave.api import serializers as s
from leave.api.filters import LeaveRequestFilter, LeaveTypeFilter
from leave.models import Holiday, LeaveRequest, LeaveType
from leave.selectors.balances import leave_balances, ledger_list
from leave.selectors.days import check_holiday_location, holiday_list, local_today, work_pattern_on
from leave.selectors.requests import (
    leave_calendar,
    leave_request_list,
    leave_type_by_code,
    leave_type_list,
    visible_user,
)
from leave.services import policy
from leave.services import requests as svc


class AdminWrites:
    """Everyone signed in reads; only an ADMIN writes."""

    def get_permissions(self):
        if self.action in {"create", "partial_update", "destroy"}:
            return [IsAuthenticated(), IsAdminRole()]
        return super().get_permissions()


def paginated(view, items, serializer_class) -> Response:
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(items, view.request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


# --- Work pattern ---------------------------------------------------------------------------


@extend_schema(tags=["leave"])
class WorkPatternView(ApiView):
    """Your hours per weekday (a weekday with 0 hours is not a working day); ADMIN: anyone's with `?user=`."""

    def _user(self, request, query):
        user_id = query.get("user")
        if user_id is not None and user_id != request.user.uuid and not request.user.is_admin_role:
            raise NotFound("User not found.")
        return visible_user(actor=request.user, user_id=user_id)

    @extend_schema(
        operation_id="work_pattern_retrieve", parameters=[s.WorkPatternQueryInput], responses=s.WorkPatternOutput
    )
    def get(self, request):
        query = parse_input(s.WorkPatternQueryInput, request.query_params)
        user = self._user(request, query)
        on = query.get("date") or local_today(user, timezone.now())
        return Response(s.WorkPatternOutput(work_pattern_on(user=user, on=on)).data)

    @extend_schema(
        operation_id="work_pattern_update",
        parameters=[s.WorkPatternQueryInput],
        request=s.WorkPatternInput,
        responses=s.WorkPatternOutput,
        description="Set the hours from `valid_from` (default today) until the next pattern; the same "
        "`valid_from` again replaces that pattern.",
    )
    def put(self, request):
        user = self._user(request, parse_input(s.WorkPatternQueryInput, request.query_params))
        data = dict(parse_input(s.WorkPatternInput, request.data))
        valid_from = data.pop("valid_from", None)
        pattern = policy.work_pattern_set(actor=request.user, user=user, hours=data, valid_from=valid_from)
        return Response(s.WorkPatternOutput(pattern).data)


# --- Holidays -------------------------------------------------------------------------------


@extend_schema(tags=["holidays"])
class HolidayViewSet(AdminWrites, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Public holidays (by country and subdivision) and company holidays; ADMIN manages company ones."""

    serializer_class = s.HolidayOutput
    filter_backends: list = []
    queryset = Holiday.objects.none()

    def scope_queryset(self, request):
        return Holiday.objects.all()

    @extend_schema(
        parameters=[s.HolidayQueryInput],
        responses=s.HolidayItemOutput(many=True),
        description="Public and company holidays between `from` and `to` (exclusive), at your own "
        "country and subdivision unless `country` (and `subdivision`) say otherwise. An unknown "
        "country or subdivision is a 400 naming the field.",
    )
    def list(self, request):
        query = parse_input(s.HolidayQueryInput, request.query_params)
        if "country" in query:
            country, subdivision = query["country"].upper(), query.get("subdivision", "").upper()
            check_holiday_location(country, subdivision)
        else:
            country, subdivision = request.user.country, query.get("subdivision", request.user.subdivision).upper()
            if "subdivision" in query:
                check_holiday_location(country, subdivision)
        found = holiday_list(
            country=country, subdivision=subdivision, start=query["from"], end=query["to"] - timedelta(days=1)
        )
        return paginated(self, found, s.HolidayItemOutput)

    @extend_schema(request=s.HolidayCreateInput, responses={201: s.HolidayOutput})
    def create(self, request):
        holiday = policy.holiday_create(actor=request.user, **parse_input(s.HolidayCreateInput, request.data))
        return Response(s.HolidayOutput(holiday).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.HolidayUpdateInput, responses=s.HolidayOutput)
    def partial_update(self, request, id=None):
        holiday = self.get_object()
        changes = parse_input(s.HolidayUpdateInput, request.data, partial=True)
        return Response(
            s.HolidayOutput(policy.holiday_update(actor=request.user, holiday=holiday, changes=changes)).data
        )

    def perform_destroy(self, instance):
        policy.holiday_delete(actor=self.request.user, holiday=instance)


# --- Leave types ----------------------------------------------------------------------------


@extend_schema(tags=["leave"])
class LeaveTypeViewSet(AdminWrites, mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Leave types and their policy. Everyone reads active ones; ADMIN also inactive ones, and writes."""

    serializer_class = s.LeaveTypeOutput
    filter_backends = [DjangoFilterBackend]
    filterset_class = LeaveTypeFilter
    queryset = LeaveType.objects.none()

    def scope_queryset(self, request):
        return leave_type_list(actor=request.user, include_inactive=True)

    @extend_schema(request=s.LeaveTypeCreateInput, responses={201: s.LeaveTypeOutput})
    def create(self, request):
        data = dict(parse_input(s.LeaveTypeCreateInput, request.data))
        leave_type = policy.leave_type_create(actor=request.user, code=data.pop("code"), name=data.pop("name"), **data)
        return Response(s.LeaveTypeOutput(leave_type).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.LeaveTypeUpdateInput, responses=s.LeaveTypeOutput)
    def partial_update(self, request, id=None):
        leave_type = self.get_object()
        changes = parse_input(s.LeaveTypeUpdateInput, request.data, partial=True)
        leave_type = policy.leave_type_update(actor=request.user, leave_type=leave_type, changes=changes)
        return Response(s.LeaveTypeOutput(leave_type).data)


# --- Requests -------------------------------------------------------------------------------


def written(decision, status_code=status.HTTP_200_OK) -> Response:
    data = s.LeaveRequestWriteOutput(decision.request, context={"warnings": decision.warnings}).data
    return Response(data, status=status_code)


def span_of(data: dict) -> svc.Span:
    return svc.Span(data["start_date"], data["end_date"], data["start_half"], data["end_half"])


@extend_schema(tags=["leave"])
class LeaveRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """Leave requests. The list is yours unless `user` or `team` asks for others': a STAFF sees
    their reports', an ADMIN everyone's. Another user's request that you may not see is a 404."""

    serializer_class = s.LeaveRequestOutput
    filter_backends = [DjangoFilterBackend]
    filterset_class = LeaveRequestFilter
    queryset = LeaveRequest.objects.none()

    def scope_queryset(self, request):
        return leave_request_list(actor=request.user)

    def filter_queryset(self, queryset):
        # The filters (and their "only yours unless asked" default) shape the list; a request is
        # addressed by id within everything the requester may see.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    @extend_schema(
        request=s.LeaveRequestCreateInput,
        responses={201: s.LeaveRequestWriteOutput},
        description="400 for half days a type does not allow, or dates costing 0 days; 409 `overlap` "
        "(`conflicting_request`) or `insufficient_balance` (`available`). Types without approval are "
        "approved at once.",
    )
    def create(self, request):
        data = parse_input(s.LeaveRequestCreateInput, request.data)
        decision = svc.leave_request_submit(
            actor=request.user,
            leave_type=leave_type_by_code(code=data["type"]),
            reason=data["reason"],
            **vars(span_of(data)),
        )
        return written(decision, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.LeaveRequestCreateInput,
        responses=s.LeavePreviewOutput,
        description="What submitting would cost and find, writing nothing.",
    )
    @action(detail=False, methods=["post"])
    def preview(self, request):
        data = parse_input(s.LeaveRequestCreateInput, request.data)
        leave_type = leave_type_by_code(code=data["type"])
        found = svc.leave_request_preview(actor=request.user, leave_type=leave_type, span=span_of(data))
        return Response(
            s.LeavePreviewOutput(
                {
                    "days": found.cost.days,
                    "by_year": [{"year": y, "days": d} for y, d in sorted(found.cost.by_year.items())],
                    "holidays": found.cost.holidays,
                    "non_working_days": found.cost.non_working_days,
                    "balance": found.balances,
                    "clashes": {
                        "own_requests": found.own_overlaps,
                        "team_off": found.team_off,
                        "elsewhere": found.elsewhere,
                    },
                    "problems": found.problems,
                }
            ).data
        )

    @extend_schema(request=s.LeaveRequestUpdateInput, responses=s.LeaveRequestOutput)
    def partial_update(self, request, id=None):
        leave_request = self.get_object()
        changes = parse_input(s.LeaveRequestUpdateInput, request.data, partial=True)
        leave_request = svc.leave_request_update(actor=request.user, request=leave_request, changes=changes)
        return Response(s.LeaveRequestOutput(leave_request).data)

    def perform_destroy(self, instance):
        svc.leave_request_delete(actor=self.request.user, request=instance)

    @extend_schema(
        request=s.ApproveInput,
        responses=s.LeaveRequestWriteOutput,
        description="The requester's manager or an ADMIN; your own is a 403. The balance is checked "
        "again (409 `insufficient_balance`); a request decided meanwhile is a 409 `not_pending`. "
        "`warnings` lists what the before-approve checks (e.g. appointments) reported.",
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, id=None):
        leave_request = self.get_object()
        data = parse_input(s.ApproveInput, request.data)
        return written(svc.leave_request_approve(actor=request.user, request=leave_request, **data))

    @extend_schema(request=s.DecisionNoteInput, responses=s.LeaveRequestOutput)
    @action(detail=True, methods=["post"])
    def reject(self, request, id=None):
        leave_request = self.get_object()
        data = parse_input(s.DecisionNoteInput, request.data)
        return Response(
            s.LeaveRequestOutput(svc.leave_request_reject(actor=request.user, request=leave_request, **data)).data
        )

    @extend_schema(
        request=s.DecisionNoteInput,
        responses=s.LeaveRequestOutput,
        description="The owner: a pending request, or an approved one that has not started. The manager "
        "or an ADMIN: an approved one, started or not. Approved days come back as a `reversal` row.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, id=None):
        leave_request = self.get_object()
        data = parse_input(s.DecisionNoteInput, request.data)
        return Response(
            s.LeaveRequestOutput(svc.leave_request_cancel(actor=request.user, request=leave_request, **data)).data
        )


# --- Balances, ledger, allocations, calendar ------------------------------------------------


@extend_schema(tags=["leave"])
class BalancesView(ApiView):
    @extend_schema(
        operation_id="leave_balances",
        parameters=[s.BalanceQueryInput],
        responses=s.BalancesOutput,
        description="Per leave type, sums over the ledger of that year plus pending requests.",
    )
    def get(self, request):
        query = parse_input(s.BalanceQueryInput, request.query_params)
        user = visible_user(actor=request.user, user_id=query.get("user"))
        year = query.get("year") or local_today(user, timezone.now()).year
        balances = leave_balances(user=user, year=year)
        return Response(s.BalancesOutput({"user": user.uuid, "year": year, "balances": balances}).data)


@extend_schema(tags=["leave"])
class LedgerView(ApiView):
    @extend_schema(
        operation_id="leave_ledger",
        parameters=[s.LedgerQueryInput],
        responses=s.LedgerPageOutput,
        description="The ledger rows a balance is summed from, oldest first (paginated).",
    )
    def get(self, request):
        query = parse_input(s.LedgerQueryInput, request.query_params)
        user = visible_user(actor=request.user, user_id=query.get("user"))
        leave_type = leave_type_by_code(code=query["type"]) if "type" in query else None
        return paginated(
            self, ledger_list(user=user, year=query.get("year"), leave_type=leave_type), s.LedgerEntryOutput
        )


@extend_schema(tags=["leave"])
class AllocationView(ApiView):
    permission_classes = [IsAuthenticated, IsAdminRole]

    @extend_schema(
        operation_id="leave_allocation_create",
        request=s.AllocationInput,
        responses={201: s.LedgerEntryOutput},
        description="ADMIN: an allocation or adjustment of one user's balance of one type in one year.",
    )
    def post(self, request):
        data = parse_input(s.AllocationInput, request.data)
        row = policy.leave_allocation_create(
            actor=request.user,
            user=visible_user(actor=request.user, user_id=data["user"]),
            leave_type=leave_type_by_code(code=data["type"]),
            year=data["year"],
            days=data["days"],
            kind=data["kind"],
            note=data["note"],
        )
        return Response(s.LedgerEntryOutput(row).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["leave"])
class CalendarView(ApiView):
    @extend_schema(
        operation_id="leave_calendar",
        parameters=[s.CalendarQueryInput],
        responses=s.CalendarOutput,
        description="Who is off between `from` and `to` (exclusive): yours; a STAFF's reports'; "
        "everyone's for an ADMIN. Pending requests are shown as pending.",
    )
    def get(self, request):
        query = parse_input(s.CalendarQueryInput, request.query_params)
        found = leave_calendar(actor=request.user, start=query["from"], end=query["to"] - timedelta(days=1))
        return Response(s.CalendarOutput({"items": found.requests, "holidays": found.holidays}).data)
