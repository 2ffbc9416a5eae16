"""Request body parsers for every API view."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

# Deep enough for any body the API documents (a session with nested laps is three levels).
DEFAULT_MAX_DEPTH = 32


def json_depth_exceeds(data: Any, limit: int) -> bool:
    """True when `data` nests lists or objects more than `limit` levels deep. Iterative, so a
    deep value cannot exhaust the Python stack here."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a nesting limit (`API_MAX_JSON_DEPTH`): a body nested deeper is a 400
    `parse_error`, and so is one deep enough to exhaust the decoder's recursion, instead of a
    RecursionError (500) here or later in validation and error rendering."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = getattr(settings, "API_MAX_JSON_DEPTH", DEFAULT_MAX_DEPTH)
        message = f"JSON parse error - the body is nested more than {limit} levels deep."
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(message) from None
        if json_depth_exceeds(data, limit):
            raise ParseError(message)
        return data
