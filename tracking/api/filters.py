from __future__ import annotations

import django_filters
from django.db.models import Q

from config.api.filters import AwareDateTimeFilter, StableOrderingFilter, StrictBooleanFilter
from config.api.queries import check_window
from tracking.models import Project, Session, SessionStatus, Task, TimeEntry


class TimeEntryFilter(django_filters.FilterSet):
    # `from` is a Python keyword, so it is declared through the class namespace.
    locals()["from"] = AwareDateTimeFilter(
        method="filter_from", help_text="Entries that end after this (or still run). ISO 8601 with offset or Z."
    )
    to = AwareDateTimeFilter(method="filter_to", help_text="Entries that start before this. ISO 8601 with offset or Z.")
    user = django_filters.UUIDFilter(field_name="user__uuid", help_text="STAFF/ADMIN: one person's entries.")
    project = django_filters.UUIDFilter(field_name="project__uuid")
    project_code = django_filters.CharFilter(field_name="project__code", lookup_expr="iexact", max_length=32)
    task = django_filters.UUIDFilter(field_name="task__uuid")
    session = django_filters.UUIDFilter(field_name="session__uuid")
    billable = StrictBooleanFilter()
    running = StrictBooleanFilter(field_name="end", lookup_expr="isnull", help_text="true: only the running timer.")
    ordering = StableOrderingFilter(
        fields=(("start", "start"), ("end", "end"), ("created_at", "created")),
        help_text="start, end or created; prefix - for descending. Default: -start.",
    )

    class Meta:
        model = TimeEntry
        fields: list[str] = []

    def filter_from(self, queryset, name, value):
        return queryset.filter(Q(end__isnull=True) | Q(end__gt=value))

    def filter_to(self, queryset, name, value):
        check_window(self.form.cleaned_data.get("from"), value)
        return queryset.filter(start__lt=value)


class ProjectFilter(django_filters.FilterSet):
    archived = StrictBooleanFilter(help_text="STAFF/ADMIN only see archived projects.")
    billable = StrictBooleanFilter()
    search = django_filters.CharFilter(method="filter_search", max_length=100, help_text="Part of the code or name.")

    class Meta:
        model = Project
        fields: list[str] = []

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class TaskFilter(django_filters.FilterSet):
    project = django_filters.UUIDFilter(field_name="project__uuid")
    project_code = django_filters.CharFilter(field_name="project__code", lookup_expr="iexact", max_length=32)
    archived = StrictBooleanFilter()

    class Meta:
        model = Task
        fields: list[str] = []


class SessionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=SessionStatus.choices)

    class Meta:
        model = Session
        fields: list[str] = []
