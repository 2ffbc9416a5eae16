from __future__ import annotations

import django_filters

from config.api.filters import StableOrderingFilter, StrictBooleanFilter
from config.api.queries import check_window
from leave.models import LeaveRequest, LeaveType, RequestStatus


class LeaveRequestFilter(django_filters.FilterSet):
    """Your own requests unless `user` or `team` asks for others' (within what you may see)."""

    status = django_filters.ChoiceFilter(choices=RequestStatus.choices)
    type = django_filters.CharFilter(field_name="leave_type__code", lookup_expr="iexact", max_length=32)
    # `from` is a Python keyword, so it is declared through the class namespace.
    locals()["from"] = django_filters.DateFilter(
        field_name="end_date", lookup_expr="gte", help_text="Requests ending on or after this day (YYYY-MM-DD)."
    )
    to = django_filters.DateFilter(method="filter_to", help_text="Requests starting before this day (exclusive).")
    user = django_filters.UUIDFilter(field_name="user__uuid", help_text="STAFF: one report's; ADMIN: anyone's.")
    team = StrictBooleanFilter(
        method="filter_team", help_text="true: your reports' requests (STAFF), everyone else's (ADMIN)."
    )
    ordering = StableOrderingFilter(
        fields=(("start_date", "start_date"), ("created_at", "created")),
        help_text="start_date or created; prefix - for descending. Default: -start_date.",
    )

    class Meta:
        model = LeaveRequest
        fields: list[str] = []

    def filter_queryset(self, queryset):
        data = self.form.cleaned_data
        if data.get("user") is None and not data.get("team"):
            queryset = queryset.filter(user=self.request.user)
        return super().filter_queryset(queryset)

    def filter_to(self, queryset, name, value):
        check_window(self.form.cleaned_data.get("from"), value)
        return queryset.filter(start_date__lt=value)

    def filter_team(self, queryset, name, value):
        return queryset.exclude(user=self.request.user) if value else queryset


class LeaveTypeFilter(django_filters.FilterSet):
    active = StrictBooleanFilter(help_text="ADMIN: false lists deactivated types (others only see active ones).")

    class Meta:
        model = LeaveType
        fields: list[str] = []
