"""The staff console in a real browser."""

import pyotp
import pytest
from django.utils import timezone

from accounts.models import Role, TotpDevice, User
from accounts.tests.factories import PASSWORD, AdminFactory, StaffFactory, UserFactory
from audit.models import AuditEvent
from config.testing import console_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_changes_a_role_through_the_console(page):
    admin = AdminFactory()
    target = UserFactory(email="promote.me@example.com")
    console_sign_in(page, admin)

    page.goto("/admin/accounts/user/?role__exact=USER")
    assert "promote.me@example.com" in page.inner_text("#result_list")
    page.click("text=promote.me@example.com")
    page.select_option("select[name=role]", "STAFF")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist")

    target.refresh_from_db()
    assert (target.role, target.is_staff, target.is_superuser) == (Role.STAFF, True, False)
    assert AuditEvent.objects.filter(action="user.role_change", actor=admin).exists()


def test_staff_sees_only_their_reports_and_cannot_edit(page):
    staff = StaffFactory()
    UserFactory(email="mine@example.com", manager=staff)
    UserFactory(email="not.mine@example.com")
    console_sign_in(page, staff)

    page.goto("/admin/accounts/user/")
    listing = page.inner_text("#result_list")
    assert "mine@example.com" in listing
    assert "not.mine@example.com" not in listing
    assert page.locator(".object-tools a.addlink").count() == 0
    assert User.objects.get(email="mine@example.com").role == Role.USER


def test_audit_events_are_read_only_in_the_console(page):
    admin = AdminFactory()
    console_sign_in(page, admin)
    page.goto("/admin/audit/auditevent/")
    # The console sign-in itself was audited.
    assert "auth.login" in page.inner_text("#result_list")
    assert page.locator(".object-tools a.addlink").count() == 0
    page.click("#result_list tbody tr a")
    assert page.locator("input[name=_save]").count() == 0


def _with_authenticator(user) -> pyotp.TOTP:
    device = TotpDevice.objects.create(user=user, secret=pyotp.random_base32(), confirmed_at=timezone.now())
    return pyotp.TOTP(device.secret)


def test_the_console_asks_for_the_authenticator_code(page):
    admin = AdminFactory()
    totp = _with_authenticator(admin)

    page.goto("/admin/login/?next=/admin/accounts/user/")
    page.fill("input[name=username]", admin.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("input[name=code]")
    assert page.locator("#user-tools").count() == 0
    assert admin.email in page.inner_text("#content-main")

    page.fill("input[name=code]", "abcd-abcd-abcd-abcd")
    page.click("input[type=submit]")
    page.wait_for_selector(".errornote")
    assert "neither current nor an unused recovery code" in page.inner_text(".errornote")

    page.fill("input[name=code]", totp.now())
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")
    assert page.url.endswith("/admin/accounts/user/")
    assert AuditEvent.objects.filter(action="auth.login", actor=admin, changes__mfa="totp").exists()
    assert AuditEvent.objects.filter(action="auth.mfa_failed", actor=admin).count() == 1


def test_console_pages_run_under_their_content_security_policy(page):
    """Every script, style and image the pages use is the host's own: the browser reports no
    violation of the policy, and nothing was requested from elsewhere."""
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    admin = AdminFactory()
    target = UserFactory(manager=StaffFactory())
    console_sign_in(page, admin)

    for path in (
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{target.pk}/change/",
        "/admin/accounts/user/add/",
        "/admin/audit/auditevent/",
    ):
        response = page.goto(path)
        assert "default-src 'self'" in response.headers["content-security-policy"], path
        page.wait_for_load_state("networkidle")
    # The manager field's autocomplete (select2) works under the policy.
    page.goto(f"/admin/accounts/user/{target.pk}/change/")
    page.click(".field-manager .select2-selection")
    page.wait_for_selector(".select2-results__option")

    assert violations == []
    assert page.blocked_by_csp == []
    host = page.url.split("/admin/")[0]
    assert all(url.startswith((host, "data:")) for url in page.requested)
