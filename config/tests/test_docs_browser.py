from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser


def _only_local(page, live_server):
    host = urlparse(live_server.url).netloc
    outside = [
        url
        for url in page.requested
        if urlparse(url).scheme in {"http", "https"} and urlparse(url).netloc != host and url not in page.blocked_by_csp
    ]
    assert outside == []


def test_swagger_ui_renders_with_no_request_leaving_the_machine(page, live_server):
    # Swagger UI renders a long operation list (150+ rows) virtually, only what is on screen: the
    # deep link scrolls the login operation into view.
    page.goto("/api/v1/docs/#/auth/auth_login")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Timekeep API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector("text=/api/v1/auth/login/")
    _only_local(page, live_server)


def test_redoc_renders_with_no_request_leaving_the_machine(page, live_server):
    page.goto("/api/v1/redoc/")
    page.wait_for_selector("text=Timekeep API")
    _only_local(page, live_server)


@pytest.mark.django_db(transaction=True)
def test_swagger_authorize_button_signs_in_and_try_it_out_works(page, live_server):
    from accounts.tests.factories import PASSWORD, UserFactory

    user = UserFactory(email="swagger.user@example.com")
    page.goto("/api/v1/docs/")
    page.click("button.authorize")
    page.fill("#oauth_username", user.email)
    page.fill("#oauth_password", PASSWORD)
    page.locator(".auth-container", has=page.locator("#oauth_username")).locator("button.authorize").click()
    # Swagger UI posts the password grant to /api/v1/auth/login/ and marks the scheme authorized.
    page.get_by_text("Authorized", exact=True).wait_for()
    page.locator("button.btn-done").first.click()

    # The operation list is virtual (only what is on screen is rendered): the deep link brings
    # the operation into view, open; the authorization persists across the reload.
    page.goto("/api/v1/docs/#/users/me_retrieve")
    page.reload()
    page.wait_for_selector("#operations-users-me_retrieve.is-open")
    page.click("#operations-users-me_retrieve button.try-out__btn")
    page.click("#operations-users-me_retrieve button.execute")
    page.wait_for_selector("#operations-users-me_retrieve .live-responses-table tbody td.response-col_status")
    status = page.inner_text("#operations-users-me_retrieve .live-responses-table tbody td.response-col_status")
    assert status.strip().startswith("200")
    assert "swagger.user@example.com" in page.inner_text("#operations-users-me_retrieve .live-responses-table")
