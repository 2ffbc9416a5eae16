"""The one style for partial updates in services: a `changes` mapping holding only the fields the
caller wants changed (absent means "leave as it is", None means "clear"), checked against the
service's tuple of updatable fields. No sentinel defaults."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def check_changes(changes: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Refuse keys outside `allowed`. The API has already refused unknown input with a 400, so a
    stray key here is a programming error, not a client's."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
