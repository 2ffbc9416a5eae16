"""The staff console's two-factor step and its Content-Security-Policy, without a browser (the
browser tests in test_admin_browser.py walk the same pages in Chromium)."""

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import TotpDevice
from accounts.services.mfa import mfa_totp_confirm, mfa_totp_start
from accounts.tests.factories import PASSWORD, AdminFactory, StaffFactory
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"


def with_authenticator(user) -> pyotp.TOTP:
    device = TotpDevice.objects.create(user=user, secret=pyotp.random_base32(), confirmed_at=timezone.now())
    return pyotp.TOTP(device.secret)


def password_step(client, user, next_url="/admin/accounts/user/"):
    return client.post(f"{LOGIN}?next={next_url}", {"username": user.email, "password": PASSWORD, "next": next_url})


def signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_the_console_asks_an_enrolled_account_for_its_code():
    admin = AdminFactory()
    totp = with_authenticator(admin)
    client = Client()

    first = password_step(client, admin)

    assert first.status_code == 200
    assert 'name="code"' in first.content.decode()
    assert not signed_in(client)

    second = client.post(LOGIN, {"step": "code", "code": totp.now()})

    assert (second.status_code, second["Location"]) == (302, "/admin/accounts/user/")
    assert signed_in(client)
    events = list(AuditEvent.objects.filter(actor=admin).order_by("pk").values_list("action", "changes"))
    assert events == [
        ("auth.mfa_challenge", {"step": "verify", "via": "admin"}),
        ("auth.login", {"via": "admin", "mfa": "totp"}),
    ]


def test_a_wrong_code_is_refused_and_audited_and_five_start_over():
    staff = StaffFactory()
    with_authenticator(staff)
    client = Client()
    password_step(client, staff)

    wrong = client.post(LOGIN, {"step": "code", "code": "abcd-abcd-abcd-abcd"})

    assert wrong.status_code == 200
    assert "neither current nor an unused recovery code" in wrong.content.decode()
    assert not signed_in(client)
    assert AuditEvent.objects.filter(action="auth.mfa_failed", actor=staff).count() == 1
    for _ in range(4):
        last = client.post(LOGIN, {"step": "code", "code": "abcd-abcd-abcd-abcd"})
    assert (last.status_code, last["Location"]) == (302, "/admin/login/")
    assert client.post(LOGIN, {"step": "code", "code": "000000"}).status_code == 302  # nothing pending now


def test_a_recovery_code_works_in_the_console_once():
    admin = AdminFactory()
    setup = mfa_totp_start(actor=admin)
    code = mfa_totp_confirm(actor=admin, code=pyotp.parse_uri(setup.otpauth_uri).now())[0]
    client = Client()
    password_step(client, admin)

    assert client.post(LOGIN, {"step": "code", "code": code}).status_code == 302
    assert signed_in(client)
    other = Client()
    password_step(other, admin)
    assert other.post(LOGIN, {"step": "code", "code": code}).status_code == 200
    assert not signed_in(other)


def test_the_code_step_expires(settings):
    admin = AdminFactory()
    totp = with_authenticator(admin)
    client = Client()
    password_step(client, admin)
    settings.MFA_CHALLENGE_SECONDS = 0

    response = client.post(LOGIN, {"step": "code", "code": totp.now()})

    assert response.status_code == 302
    assert not signed_in(client)


def test_the_code_step_is_rate_limited_with_the_api(settings):
    settings.RATE_LIMIT_MFA_ACCOUNT = "2/h"
    admin = AdminFactory()
    totp = with_authenticator(admin)
    client = Client()
    password_step(client, admin)
    for _ in range(2):
        client.post(LOGIN, {"step": "code", "code": "abcd-abcd-abcd-abcd"})

    refused = client.post(LOGIN, {"step": "code", "code": totp.now()})

    assert refused.status_code == 429
    assert not signed_in(client)


def test_an_unsafe_next_is_not_followed():
    admin = AdminFactory()
    totp = with_authenticator(admin)
    client = Client()
    password_step(client, admin, next_url="https://evil.example/")

    response = client.post(LOGIN, {"step": "code", "code": totp.now()})

    assert response["Location"] == "/admin/"


def test_required_staff_without_an_authenticator_are_refused_with_the_reason(settings):
    settings.REQUIRE_2FA_FOR_STAFF = True
    staff = StaffFactory()
    client = Client()

    response = password_step(client, staff)

    assert response.status_code == 200
    assert "Two-factor sign-in is required for staff accounts" in response.content.decode()
    assert not signed_in(client)


def test_the_password_alone_still_signs_in_an_account_without_two_factor():
    client = Client()
    response = password_step(client, AdminFactory())
    assert response.status_code == 302
    assert signed_in(client)


def test_an_admin_resets_someones_two_factor_in_the_console():
    admin, staff = AdminFactory(), StaffFactory()
    with_authenticator(staff)
    client = Client()
    client.force_login(admin)

    response = client.post(
        "/admin/accounts/user/", {"action": "reset_two_factor", "_selected_action": [staff.pk]}, follow=True
    )

    assert response.status_code == 200
    assert not TotpDevice.objects.filter(user=staff).exists()
    assert AuditEvent.objects.filter(action="auth.mfa_reset_by_admin", actor=admin).count() == 1
    staff_console = Client()
    staff_console.force_login(staff)
    actions = staff_console.get("/admin/accounts/user/").content.decode()
    assert "reset_two_factor" not in actions


@pytest.mark.parametrize("path", ["/admin/login/", "/admin/", "/admin/accounts/user/", "/admin/accounts/user/add/"])
def test_console_pages_send_a_content_security_policy(admin_user, path):
    client = Client()
    if path != "/admin/login/":
        client.force_login(admin_user)

    response = client.get(path)

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy and "form-action 'self'" in policy
    assert "unsafe-inline" not in policy


def test_the_code_page_sends_the_policy_too():
    admin = AdminFactory()
    with_authenticator(admin)
    response = password_step(Client(), admin)
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_api_answers_keep_their_own_policy(client_for, user):
    assert (
        client_for(user).get("/api/v1/auth/me/")["Content-Security-Policy"]
        == "default-src 'none'; frame-ancestors 'none'"
    )
