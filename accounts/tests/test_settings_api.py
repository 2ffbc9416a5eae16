import uuid

import pytest

from accounts.hooks import settings_validator
from accounts.models import UserSettings
from accounts.services.settings import user_settings_update
from config.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db

URL = "/api/v1/settings/"
FULL = {
    "theme": "dark",
    "week_start": "sunday",
    "time_format": "12h",
    "default_project": None,
    "notification_preferences": {"email": True, "muted_kinds": ["group.invite"]},
}


def test_settings_have_defaults(client_for, user):
    body = client_for(user).get(URL).json()
    assert body["theme"] == "system"
    assert body["week_start"] == "monday"
    assert body["notification_preferences"] == {"email": False, "muted_kinds": []}


def test_put_replaces_and_patch_updates(client_for, user):
    client = client_for(user)
    assert client.put(URL, FULL).json()["theme"] == "dark"
    patched = client.patch(URL, {"notification_preferences": {"email": False}}).json()
    assert patched["notification_preferences"] == {"email": False, "muted_kinds": ["group.invite"]}
    assert patched["week_start"] == "sunday"


@pytest.mark.parametrize(
    "payload",
    [
        {"theme": "neon"},
        {"week_start": "wednesday"},
        {"time_format": "36h"},
        {"default_project": "not-a-uuid"},
        {"notification_preferences": {"email": "sometimes"}},
        {"notification_preferences": {"muted_kinds": ["BAD KIND"]}},
        {"notification_preferences": "off"},
    ],
)
def test_invalid_settings_are_400_and_change_nothing(client_for, user, payload):
    client = client_for(user)
    before = client.get(URL).json()
    response = client.patch(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]
    assert client.get(URL).json() == before


def test_put_needs_every_field(client_for, user):
    response = client_for(user).put(URL, {"theme": "dark"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) >= {"week_start", "time_format"}


def test_apps_can_veto_settings_through_registered_validators(client_for, user, monkeypatch):
    allowed = uuid.uuid4()
    # Only this test's validator: the ones apps register (tracking refuses unknown projects)
    # would refuse `allowed` too.
    monkeypatch.setattr(settings_validator, "_functions", [])

    def only_known_projects(actor, changes):
        if changes.get("default_project") not in (None, allowed):
            raise ValidationFailed("Unknown project.", fields={"default_project": ["Unknown project."]})

    settings_validator.register(only_known_projects)
    client = client_for(user)
    assert client.patch(URL, {"default_project": str(uuid.uuid4())}).status_code == 400
    assert client.patch(URL, {"default_project": str(allowed)}).json()["default_project"] == str(allowed)


def test_settings_need_authentication(api_client):
    assert api_client.get(URL).status_code == 401


def test_only_an_admin_changes_someone_elses_settings(user, other_user, staff):
    with pytest.raises(PermissionDenied):
        user_settings_update(actor=staff, user=user, changes={"theme": "dark"})
    with pytest.raises(PermissionDenied):
        user_settings_update(actor=other_user, user=user, changes={"theme": "dark"})
    assert not UserSettings.objects.filter(user=user, theme="dark").exists()
