"""Display preferences that a client app keeps for a user (`ClientPreferences`): one small JSON
object per user and client. The client's adapter decides the keys, checks the values and
supplies the defaults; accounts stores what it is given, merged key by key, within bounds.

Only the user changes their own preferences (no audit row: a change by the owner of the data,
and no change of access). They go with the account when it is deleted."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from django.db import transaction

from accounts.models import ClientPreferences, User
from config.errors import ValidationFailed

CLIENT_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MAX_KEYS = 64
MAX_KEY_LENGTH = 64
# The stored object as compact JSON, in UTF-8 bytes.
MAX_BYTES = 8192


def client_preferences_get(*, user: User, client: str) -> dict[str, Any]:
    """What `user` has stored for `client` ({} when nothing is). Writes nothing."""
    _check_client(client)
    row = ClientPreferences.objects.filter(user=user, client=client).only("data").first()
    return dict(row.data) if row is not None else {}


@transaction.atomic
def client_preferences_update(*, actor: User, client: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Merge `changes` into what `actor` has stored for `client` and return the result: a key
    with a value sets it, a key with None removes it (the client's default applies again), keys
    not named stay as they are.

    The row is created if missing (INSERT ... ON CONFLICT DO NOTHING) and then locked, so two
    concurrent updates each see the other's keys and neither raises an IntegrityError. The
    merged object may hold at most MAX_KEYS keys and MAX_BYTES bytes of JSON."""
    _check_client(client)
    if not isinstance(changes, Mapping):
        raise ValidationFailed("Preferences must be an object.", code="preferences_invalid")
    for key in changes:
        if not isinstance(key, str) or not 0 < len(key) <= MAX_KEY_LENGTH:
            raise ValidationFailed(
                f"A preference name must be text of 1 to {MAX_KEY_LENGTH} characters.", code="preferences_invalid"
            )
    row = _locked_row(user=actor, client=client)
    data = dict(row.data)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    _check_size(data)
    if data != row.data:
        row.data = data
        row.save(update_fields=["data", "updated_at"])
    return dict(data)


def _locked_row(*, user: User, client: str) -> ClientPreferences:
    rows = ClientPreferences.objects.select_for_update()
    row = rows.filter(user=user, client=client).first()
    if row is None:
        ClientPreferences.objects.bulk_create([ClientPreferences(user=user, client=client)], ignore_conflicts=True)
        row = rows.get(user=user, client=client)
    return row


def _check_client(client: str) -> None:
    if not isinstance(client, str) or not CLIENT_PATTERN.match(client):
        raise ValidationFailed(f"Not a client name: {str(client)[:40]!r}.", code="preferences_invalid")


def _check_size(data: dict[str, Any]) -> None:
    if len(data) > MAX_KEYS:
        raise ValidationFailed(f"At most {MAX_KEYS} preferences can be stored.", code="preferences_too_large")
    try:
        size = len(json.dumps(data, allow_nan=False, separators=(",", ":")).encode())
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("Preferences must be plain JSON values.", code="preferences_invalid") from exc
    if size > MAX_BYTES:
        raise ValidationFailed(f"Preferences are limited to {MAX_BYTES} bytes.", code="preferences_too_large")
