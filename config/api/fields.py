"""Serializer fields shared by every app."""

from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime
from rest_framework import serializers

# The datetimes the API accepts where it does day and week arithmetic (reports, windows,
# intervals): inside these bounds a local day or week around a value can never overflow.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 in, UTC with `Z` out. A time without an offset is refused: the server cannot
    guess which zone the client meant."""

    default_error_messages = {
        "naive": "Include a UTC offset or Z, e.g. 2025-09-19T14:00:00Z.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", UTC)
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None  # well formed but impossible (month 13): the parent says "invalid"
            if parsed is not None and parsed.tzinfo is None:
                self.fail("naive")
        return super().to_internal_value(value).astimezone(UTC)

    def to_representation(self, value):
        if value is None:
            return None
        return super().to_representation(value.astimezone(UTC))
