"""User settings. Other apps check values that reference their own data (tracking checks
`default_project`) through the `accounts.hooks.settings_validator` hook."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from accounts.hooks import settings_validator
from accounts.models import User, UserSettings
from config.changes import check_changes

UPDATABLE = ("theme", "week_start", "time_format", "default_project", "notification_preferences")


def user_settings_get(*, user: User) -> UserSettings:
    settings, _ = UserSettings.objects.get_or_create(user=user)
    return settings


@transaction.atomic
def user_settings_update(*, actor: User, changes: Mapping[str, Any]) -> UserSettings:
    """Apply validated `changes` (every field of UPDATABLE for PUT, a subset for PATCH);
    `notification_preferences` is merged into the stored preferences."""
    check_changes(changes, UPDATABLE)
    settings_validator.call(actor, changes)
    settings, _ = UserSettings.objects.select_for_update().get_or_create(user=actor)
    if "notification_preferences" in changes:
        merged = {**settings.notification_preferences, **changes["notification_preferences"]}
        changes = {**changes, "notification_preferences": merged}
    for field, value in changes.items():
        setattr(settings, field, value)
    settings.save()
    return settings
