"""Hooks accounts offers the apps to its right (see config.hooks)."""

from config.hooks import declare

settings_validator = declare(
    "accounts.settings_validator",
    "fn(user, changes) raises config.errors.ValidationFailed to refuse a change of user settings "
    "that references the registering app's data (tracking checks `default_project`).",
)
