"""Serializer fields shared by every app."""

from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime
from rest_framework import serializers

# The datetimes the API accepts where it does day and week arithmetic (reports, windows,
# intervals): inside these bounds a local day or week around a value can never overflow.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


RANGE_MESSAGE = "Must be between 1970-01-01 and 2999-12-31."


def aware_in_range(value: datetime) -> datetime | None:
    """`value` (aware) in UTC when it lies in [EARLIEST, LATEST); None otherwise, including when
    its offset carries it past year 1 or 9999 (where `astimezone` overflows)."""
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        return None
    return value if EARLIEST <= value < LATEST else None


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 in, UTC with `Z` out. A time without an offset is refused: the server cannot
    guess which zone the client meant. Input must lie between EARLIEST and LATEST, so no day or
    week arithmetic on it can overflow."""

    default_error_messages = {
        "naive": "Include a UTC offset or Z, e.g. 2025-09-19T14:00:00Z.",
        "range": RANGE_MESSAGE,
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
        result = aware_in_range(super().to_internal_value(value))
        if result is None:
            self.fail("range")
        return result

    def to_representation(self, value):
        if value is None:
            return None
        return super().to_representation(value.astimezone(UTC))
