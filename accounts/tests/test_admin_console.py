"""The staff console without a browser: sign-in limits, branding, account administration."""

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ClientPreferences, Role, User, UserSettings
from accounts.services.preferences import client_preferences_get, client_preferences_update
from accounts.tests.factories import PASSWORD, StaffFactory, UserFactory
from accounts.tokens import issue_token_pair
from audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db


def test_console_sign_in_is_rate_limited(settings, admin_user):
    settings.RATE_LIMIT_LOGIN_ACCOUNT = "2/m"
    client = Client()
    for _ in range(2):
        client.post("/admin/login/", {"username": admin_user.email, "password": "wrong"})
    refused = client.post("/admin/login/", {"username": admin_user.email, "password": PASSWORD})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) >= 1
    assert "Too many attempts" in refused.content.decode()


def test_console_signs_in_and_shows_the_timekeep_name(admin_user):
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": admin_user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert "Timekeep staff console" in client.get("/admin/").content.decode()


def _console(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _change_form(user, **overrides) -> dict:
    """What the change form posts for `user` (no settings row and no client preferences, so
    empty inlines)."""
    data = {
        "email": user.email,
        "display_name": user.display_name,
        "timezone": user.timezone,
        "country": user.country,
        "subdivision": user.subdivision,
        "role": user.role,
        "manager": user.manager_id or "",
        "is_active": "on" if user.is_active else "",
        "settings-TOTAL_FORMS": "0",
        "settings-INITIAL_FORMS": "0",
        "settings-MIN_NUM_FORMS": "0",
        "settings-MAX_NUM_FORMS": "1",
        "client_preferences-TOTAL_FORMS": "0",
        "client_preferences-INITIAL_FORMS": "0",
        "client_preferences-MIN_NUM_FORMS": "0",
        "client_preferences-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not False}


def _add_form(**overrides) -> dict:
    data = {
        "email": "New.Person@Example.com",
        "display_name": "New Person",
        "role": Role.STAFF,
        "manager": "",
        "usable_password": "true",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "_save": "Save",
    }
    data.update(overrides)
    return data


def test_admin_creates_an_account_with_settings_and_one_audit_row(admin_user):
    response = _console(admin_user).post(reverse("admin:accounts_user_add"), _add_form())

    assert response.status_code == 302
    created = User.objects.get(email="new.person@example.com")
    assert (created.role, created.is_staff, created.is_superuser) == (Role.STAFF, True, False)
    assert created.check_password(PASSWORD)
    assert UserSettings.objects.filter(user=created).exists()
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.target_id) == (Action.USER_CREATE, admin_user, str(created.uuid))
    assert event.changes == {"role": "STAFF"}
    assert response.url == reverse("admin:accounts_user_change", args=[created.pk])


def test_admin_creates_an_account_without_a_password(admin_user):
    form = _add_form(usable_password="false", password1="", password2="", role=Role.USER)
    assert _console(admin_user).post(reverse("admin:accounts_user_add"), form).status_code == 302
    assert not User.objects.get(email="new.person@example.com").has_usable_password()


def test_console_refuses_a_manager_who_is_not_staff(admin_user):
    plain = UserFactory()
    response = _console(admin_user).post(reverse("admin:accounts_user_add"), _add_form(manager=plain.pk))

    assert response.status_code == 200
    assert "A manager must be STAFF or ADMIN." in response.content.decode()
    assert not User.objects.filter(email="new.person@example.com").exists()
    assert not AuditEvent.objects.exists()


def test_admin_changes_role_and_profile_through_the_account_service(admin_user):
    target = UserFactory()
    manager = StaffFactory()
    form = _change_form(target, role=Role.STAFF, timezone="Europe/Berlin", manager=manager.pk)

    response = _console(admin_user).post(reverse("admin:accounts_user_change", args=[target.pk]), form)

    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.role, target.is_staff, target.timezone, target.manager) == (
        Role.STAFF,
        True,
        "Europe/Berlin",
        manager,
    )
    events = {event.action: event for event in AuditEvent.objects.all()}
    assert set(events) == {Action.USER_ROLE_CHANGE, Action.USER_ADMIN_UPDATE}
    assert events[Action.USER_ROLE_CHANGE].changes == {"role": ["USER", "STAFF"]}
    assert events[Action.USER_ADMIN_UPDATE].changes == {
        "timezone": ["UTC", "Europe/Berlin"],
        "manager": [None, manager.email],
    }
    assert all(event.actor == admin_user for event in events.values())


def test_a_refused_console_change_saves_nothing(admin_user):
    form = _change_form(admin_user, role=Role.USER, display_name="Renamed")

    response = _console(admin_user).post(reverse("admin:accounts_user_change", args=[admin_user.pk]), form, follow=True)

    assert "Not saved: This is the last active ADMIN" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.role == Role.ADMIN
    assert admin_user.display_name != "Renamed"
    assert not AuditEvent.objects.exists()


def test_deactivating_in_the_console_ends_the_accounts_sessions(admin_user):
    target = UserFactory()
    pair = issue_token_pair(target)
    form = _change_form(target, is_active=False)

    _console(admin_user).post(reverse("admin:accounts_user_change", args=[target.pk]), form)

    target.refresh_from_db()
    assert not target.is_active
    assert APIClient().post("/api/v1/auth/refresh/", {"refresh_token": pair.refresh}).status_code == 401
    event = AuditEvent.objects.get()
    assert (event.action, event.changes) == (Action.USER_ADMIN_UPDATE, {"is_active": [True, False]})


def test_admin_sets_a_password_and_the_accounts_sessions_end(admin_user):
    target = UserFactory()
    pair = issue_token_pair(target)
    url = reverse("admin:auth_user_password_change", args=[target.pk])

    response = _console(admin_user).post(url, {"password1": "Another-Horse-43", "password2": "Another-Horse-43"})

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password("Another-Horse-43")
    assert APIClient().post("/api/v1/auth/refresh/", {"refresh_token": pair.refresh}).status_code == 401
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.target_id) == (
        Action.USER_PASSWORD_RESET_BY_ADMIN,
        admin_user,
        str(target.uuid),
    )


def _settings_inline(settings: UserSettings, **overrides) -> dict:
    """The settings inline of the user page, as posted for an existing settings row."""
    data = {
        "settings-TOTAL_FORMS": "1",
        "settings-INITIAL_FORMS": "1",
        "settings-0-user": settings.user_id,
        "settings-0-theme": settings.theme,
        "settings-0-week_start": settings.week_start,
        "settings-0-time_format": settings.time_format,
        "settings-0-default_project": settings.default_project or "",
        "settings-0-notification_preferences": json.dumps(settings.notification_preferences),
    }
    data.update({f"settings-0-{name}": value for name, value in overrides.items()})
    return data


def test_settings_changed_on_the_user_page_save_through_the_service_with_one_audit_row(admin_user):
    target = UserFactory()
    settings = UserSettings.objects.create(user=target)
    form = _change_form(target) | _settings_inline(settings, theme="dark", week_start="sunday")

    response = _console(admin_user).post(reverse("admin:accounts_user_change", args=[target.pk]), form)

    assert response.status_code == 302
    settings.refresh_from_db()
    assert (settings.theme, settings.week_start) == ("dark", "sunday")
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.target_type, event.target_id) == (
        Action.USER_SETTINGS_UPDATE,
        admin_user,
        "accounts.user",
        str(target.uuid),
    )
    assert event.changes == {"user": target.email, "theme": ["system", "dark"], "week_start": ["monday", "sunday"]}


def test_a_settings_refusal_on_the_user_page_is_shown_and_saves_nothing(admin_user):
    target = UserFactory()
    settings = UserSettings.objects.create(user=target)
    form = _change_form(target) | _settings_inline(settings, default_project=str(uuid.uuid4()))

    response = _console(admin_user).post(reverse("admin:accounts_user_change", args=[target.pk]), form, follow=True)

    assert "Not saved: default_project: No project with this id." in response.content.decode()
    settings.refresh_from_db()
    assert settings.default_project is None
    assert not AuditEvent.objects.exists()


def test_the_settings_page_saves_through_the_service_with_one_audit_row(admin_user):
    target = UserFactory()
    settings = UserSettings.objects.create(user=target)
    form = {
        "theme": "light",
        "week_start": "monday",
        "time_format": "12h",
        "default_project": "",
        "notification_preferences": json.dumps({"email": True, "muted_kinds": []}),
        "_save": "Save",
    }

    response = _console(admin_user).post(reverse("admin:accounts_usersettings_change", args=[target.pk]), form)

    assert response.status_code == 302
    settings.refresh_from_db()
    assert (settings.theme, settings.time_format, settings.notification_preferences["email"]) == ("light", "12h", True)
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.target_id) == (Action.USER_SETTINGS_UPDATE, admin_user, str(target.uuid))
    assert event.changes == {
        "user": target.email,
        "theme": ["system", "light"],
        "time_format": ["24h", "12h"],
        "notification_preferences": [
            {"email": False, "muted_kinds": []},
            {"email": True, "muted_kinds": []},
        ],
    }


def test_an_admin_changing_their_own_settings_in_the_console_writes_no_row(admin_user):
    settings = UserSettings.objects.create(user=admin_user)
    form = _change_form(admin_user) | _settings_inline(settings, theme="dark")

    response = _console(admin_user).post(reverse("admin:accounts_user_change", args=[admin_user.pk]), form)

    assert response.status_code == 302
    settings.refresh_from_db()
    assert settings.theme == "dark"
    assert not AuditEvent.objects.exists()


def test_the_user_page_lists_client_preferences_read_only(admin_user):
    target = UserFactory()
    client_preferences_update(actor=target, client="jlc", changes={"minimalistMode": True})
    url = reverse("admin:accounts_user_change", args=[target.pk])

    page = _console(admin_user).get(url).content.decode()
    assert "client app preferences" in page.lower() and "minimalistMode" in page
    assert 'name="client_preferences-0-data"' not in page  # shown, not an input

    saved = _console(admin_user).post(
        url, {**_change_form(target, display_name="Renamed"), "client_preferences-INITIAL_FORMS": "1", **_row(target)}
    )
    assert saved.status_code == 302
    assert client_preferences_get(user=target, client="jlc") == {"minimalistMode": True}


def _row(user) -> dict:
    row = ClientPreferences.objects.get(user=user)
    return {
        "client_preferences-TOTAL_FORMS": "1",
        "client_preferences-0-id": row.pk,
        "client_preferences-0-user": user.pk,
    }
