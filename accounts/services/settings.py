"""User settings. Other apps check values that reference their own data (tracking checks
`default_project`) through the `accounts.hooks.settings_validator` hook."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.db import transaction

from accounts.hooks import settings_validator
from accounts.models import User, UserSettings
from audit.models import Action
from audit.services import audit_change
from config.changes import check_changes
from config.errors import PermissionDenied, ValidationFailed

UPDATABLE = ("theme", "week_start", "time_format", "default_project", "notification_preferences")


def user_settings_get(*, user: User) -> UserSettings:
    settings, _ = UserSettings.objects.get_or_create(user=user)
    return settings


@transaction.atomic
def user_settings_update(*, actor: User, changes: Mapping[str, Any], user: User | None = None) -> UserSettings:
    """Apply validated `changes` (every field of UPDATABLE for PUT, a subset for PATCH) to the
    settings of `user` (default: `actor`; only an ADMIN changes someone else's, which writes one
    audit row with the old and new values); `notification_preferences` is merged into the stored
    preferences."""
    check_changes(changes, UPDATABLE)
    user = user or actor
    if user.pk != actor.pk and not actor.is_admin_role:
        raise PermissionDenied("Only an ADMIN can change another user's settings.")
    if "notification_preferences" in changes and not isinstance(changes["notification_preferences"], Mapping):
        message = "Must be an object with `email` and `muted_kinds`."
        raise ValidationFailed(f"notification_preferences: {message}", fields={"notification_preferences": [message]})
    settings_validator.call(user, changes)
    settings, _ = UserSettings.objects.select_for_update().get_or_create(user=user)
    if "notification_preferences" in changes:
        merged = {**settings.notification_preferences, **changes["notification_preferences"]}
        changes = {**changes, "notification_preferences": merged}
    changed = {}
    for field, value in changes.items():
        if getattr(settings, field) != value:
            changed[field] = [_plain(getattr(settings, field)), _plain(value)]
        setattr(settings, field, value)
    settings.save()
    if changed:
        audit_change(
            actor=actor,
            owner=user,
            action=Action.USER_SETTINGS_UPDATE,
            target=user,
            changes={"user": user.email, **changed},
        )
    return settings


def _plain(value: Any) -> Any:
    """A value as the audit row's JSON holds it (a project id as text)."""
    return str(value) if isinstance(value, UUID) else value
