"""Query parameters every app reads the same way: a `from`/`to` time window.

One check says what a valid window is (`to` after `from`, and at most N days later when the
endpoint bounds it), with one set of messages, whether the window arrives through a query
serializer (`window_query`) or a filter set (call `check_window` from the `to` filter)."""

from __future__ import annotations

from datetime import datetime, timedelta

from rest_framework import serializers

from config.api.fields import AwareDateTimeField


def check_window(
    start: datetime | None,
    end: datetime | None,
    *,
    max_days: int | None = None,
    start_name: str = "from",
    end_name: str = "to",
) -> None:
    """Raise a 400 on `end_name` unless `end` is after `start` and, with `max_days`, at most that
    many days later. Nothing to check while either end is missing (an open window)."""
    if start is None or end is None:
        return
    if end <= start:
        raise serializers.ValidationError({end_name: [f"Must be after `{start_name}`."]})
    if max_days is not None and end - start > timedelta(days=max_days):
        raise serializers.ValidationError({end_name: [f"At most {max_days} days after `{start_name}`."]})


def window_query(
    name: str,
    *,
    max_days: int | None = None,
    field_class: type[serializers.Field] = AwareDateTimeField,
    **extra: serializers.Field,
) -> type[serializers.Serializer]:
    """A query serializer class called `name` with required `from` and `to` (instances of
    `field_class`) checked by `check_window`, plus the fields in `extra`. Built with type()
    because `from` is a Python keyword; the name is what the schema calls it."""

    def validate(self, attrs):
        check_window(attrs["from"], attrs["to"], max_days=max_days)
        return attrs

    end_help = "Window end (exclusive)" + (f"; at most {max_days} days after `from`." if max_days else ".")
    fields = {
        "from": field_class(help_text="Window start, ISO 8601 with offset or Z."),
        "to": field_class(help_text=end_help),
        **extra,
        "validate": validate,
    }
    return type(name, (serializers.Serializer,), fields)
