"""User settings. Other apps may check values that reference their own data (tracking checks
`default_project`) by registering a validator here from their AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from accounts.models import User, UserSettings

SettingsValidator = Callable[[User, dict[str, Any]], None]
_validators: list[SettingsValidator] = []


def register_settings_validator(validator: SettingsValidator) -> None:
    """`validator(user, changes)` raises config.errors.ValidationFailed to refuse a change."""
    if validator not in _validators:
        _validators.append(validator)


def user_settings_get(*, user: User) -> UserSettings:
    settings, _ = UserSettings.objects.get_or_create(user=user)
    return settings


@transaction.atomic
def user_settings_update(*, actor: User, changes: dict[str, Any]) -> UserSettings:
    """Apply validated `changes` (a full replacement for PUT, a subset for PATCH)."""
    for validator in _validators:
        validator(actor, changes)
    settings, _ = UserSettings.objects.select_for_update().get_or_create(user=actor)
    if "notification_preferences" in changes:
        merged = {**settings.notification_preferences, **changes["notification_preferences"]}
        changes = {**changes, "notification_preferences": merged}
    for field, value in changes.items():
        setattr(settings, field, value)
    settings.save()
    return settings
