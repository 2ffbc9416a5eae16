from __future__ import annotations

import re
from datetime import UTC

import django_filters
from django import forms
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from tracking.api.serializers import EARLIEST, LATEST
from tracking.models import Project, Session, SessionStatus, Task, TimeEntry

# In a query string an unencoded `+` arrives as a space: `...T00:00:00 02:00` meant `+02:00`.
_SPACE_FOR_PLUS = re.compile(r"^(\S+T[\d:.]+) (\d{2}:?\d{2})$")


class AwareDateTimeFormField(forms.Field):
    """ISO 8601 with an offset or Z, to an aware UTC datetime; a naive time is refused."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = _SPACE_FOR_PLUS.sub(r"\1+\2", str(value).strip())
        try:
            parsed = parse_datetime(text)
        except ValueError:
            parsed = None
        if parsed is None:
            raise forms.ValidationError("Enter an ISO 8601 date and time, e.g. 2025-09-15T00:00:00Z.")
        if parsed.tzinfo is None:
            raise forms.ValidationError("Include a UTC offset or Z, e.g. 2025-09-15T00:00:00Z.")
        parsed = parsed.astimezone(UTC)
        if not EARLIEST <= parsed < LATEST:
            raise forms.ValidationError("Must be between 1970-01-01 and 2999-12-31.")
        return parsed


@extend_schema_field(OpenApiTypes.DATETIME)
class AwareDateTimeFilter(django_filters.Filter):
    field_class = AwareDateTimeFormField


class StrictBooleanFormField(forms.Field):
    """true/false (or 1/0); anything else is an error instead of being ignored."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().lower()
        if text in {"true", "1"}:
            return True
        if text in {"false", "0"}:
            return False
        raise forms.ValidationError("Use true or false.")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanFormField


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering with the primary key as the last tie-breaker, so pages never shuffle."""

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            descending = str(value[0]).startswith("-")
            qs = qs.order_by(*qs.query.order_by, "-pk" if descending else "pk")
        return qs


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
        start = self.form.cleaned_data.get("from")
        if start is not None and value <= start:
            raise ValidationError({"to": ["Must be after `from`."]})
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
