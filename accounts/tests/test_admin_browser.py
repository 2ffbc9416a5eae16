"""The staff console in a real browser."""

import pytest

from accounts.models import Role, User
from accounts.tests.factories import PASSWORD, AdminFactory, StaffFactory, UserFactory
from audit.models import AuditEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, user):
    page.goto("/admin/login/")
    page.fill("input[name=username]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#user-tools")


def test_admin_changes_a_role_through_the_console(page):
    admin = AdminFactory()
    target = UserFactory(email="promote.me@example.com")
    _login(page, admin)

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
    _login(page, staff)

    page.goto("/admin/accounts/user/")
    listing = page.inner_text("#result_list")
    assert "mine@example.com" in listing
    assert "not.mine@example.com" not in listing
    assert page.locator(".object-tools a.addlink").count() == 0
    assert User.objects.get(email="mine@example.com").role == Role.USER


def test_audit_events_are_read_only_in_the_console(page):
    admin = AdminFactory()
    _login(page, admin)
    page.goto("/admin/audit/auditevent/")
    # The console sign-in itself was audited.
    assert "auth.login" in page.inner_text("#result_list")
    assert page.locator(".object-tools a.addlink").count() == 0
    page.click("#result_list tbody tr a")
    assert page.locator("input[name=_save]").count() == 0
