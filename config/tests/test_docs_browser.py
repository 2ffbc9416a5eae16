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
    page.goto("/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Timekeep API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector("text=/api/v1/auth/login/")
    _only_local(page, live_server)


def test_redoc_renders_with_no_request_leaving_the_machine(page, live_server):
    page.goto("/api/v1/redoc/")
    page.wait_for_selector("text=Timekeep API")
    _only_local(page, live_server)
