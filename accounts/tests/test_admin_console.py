"""The staff console without a browser: sign-in limits and branding."""

import pytest
from django.test import Client

from accounts.tests.factories import PASSWORD

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
