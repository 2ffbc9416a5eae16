"""Filter pieces every app's filter sets use, so a query parameter means the same everywhere and a
malformed one is a 400 instead of being silently ignored."""

from __future__ import annotations

import re

import django_filters
from django import forms
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from config.api.fields import RANGE_MESSAGE, aware_in_range

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
        in_range = aware_in_range(parsed)
        if in_range is None:
            raise forms.ValidationError(RANGE_MESSAGE)
        return in_range


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
