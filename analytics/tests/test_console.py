"""The staff console's start page: what waits first, charts of the scope as inline SVG, Django's
auth groups hidden; and, in Chromium, a screenshot with no request leaving the host and change
lists that fit a 1280-pixel screen."""

from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.test import Client
from django.utils import timezone

from accounts.tests.factories import PASSWORD, AdminFactory, StaffFactory, UserFactory
from analytics.charts import Bar, bar_chart, column_chart, hours
from leave.tests.factories import LeaveRequestFactory, ensure_default_leave_types
from scheduling.tests.factories import AppointmentFactory
from tracking.tests.factories import ProjectFactory, TimeEntryFactory

CHARTS = ("hours-per-week", "top-projects", "pending-leave", "violations", "appointments")


def console(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_scope(db):
    """A STAFF member with one report who asks for leave, works a 12-hour day this month and
    has an appointment with the manager today; and an outsider whose leave is not theirs."""
    ensure_default_leave_types()
    manager = StaffFactory(display_name="Mina Manager", password=PASSWORD)
    report = UserFactory(manager=manager, display_name="Rita Report")
    outsider = UserFactory(display_name="Otto Outside")
    now = timezone.now()
    LeaveRequestFactory(user=report, start_date=now.date() + timedelta(days=9), status="pending")
    LeaveRequestFactory(user=outsider, start_date=now.date() + timedelta(days=9), status="pending")
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    long_day = min(month_start + timedelta(hours=6), now - timedelta(hours=13))
    TimeEntryFactory(
        user=report, project=ProjectFactory(code="LONG"), start=long_day, end=long_day + timedelta(hours=12)
    )
    start = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    if start.date() != now.date():  # just before midnight: keep it today
        start = now.replace(second=0, microsecond=0) - timedelta(minutes=1)
    AppointmentFactory(customer=report, staff=manager, start_utc=start, end_utc=start + timedelta(minutes=30))
    return {"manager": manager, "report": report, "outsider": outsider, "long_day": long_day}


@pytest.mark.django_db
def test_the_start_page_shows_what_waits_then_charts(staff_scope):
    page = console(staff_scope["manager"]).get("/admin/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index('id="start-page"') < html.index('id="content-main"')  # before the app list
    waiting = html[html.index('id="waiting-leave"') : html.index('id="waiting-appointments"')]
    assert "Rita Report" in waiting and "Otto Outside" not in waiting
    assert "Rita Report" in html[html.index('id="waiting-appointments"') : html.index('id="waiting-compliance"')]
    if staff_scope["long_day"] >= timezone.now().replace(day=1, hour=0, minute=0, second=0, microsecond=0):
        assert "Worked 12.0 h" in html[html.index('id="waiting-compliance"') :]
    for key in CHARTS:
        assert f'id="chart-{key}"' in html
    assert "<script" not in html[html.index('id="start-page"') : html.index('id="content-main"')]


@pytest.mark.django_db
def test_djangos_auth_groups_are_hidden_and_focus_groups_stay(staff_scope):
    html = console(AdminFactory()).get("/admin/").content.decode()
    assert "/admin/auth/group/" not in html
    assert "/admin/groups/group/" in html
    assert console(AdminFactory()).get("/admin/auth/group/").status_code == 404


@pytest.mark.django_db
def test_people_without_the_console_get_no_start_page(db):
    response = console(UserFactory()).get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_charts_escape_their_labels_and_say_when_there_is_nothing():
    svg = column_chart(key="k", title="A <b> & c", bars=[Bar("<script>", 3600)], value_text=hours)
    assert "<script>" not in svg and "&lt;script&gt;" in svg and 'aria-label="A &lt;b&gt; &amp; c"' in svg
    assert "1.0 h" in svg
    assert "Nothing yet" in bar_chart(key="e", title="Empty", bars=[], value_text=hours)
    assert "Nothing yet" in column_chart(key="z", title="Zero", bars=[Bar("a", 0)], value_text=hours)


def _only_local(page, live_server) -> list[str]:
    host = urlparse(live_server.url).netloc
    return [
        url
        for url in page.requested
        if urlparse(url).scheme in {"http", "https", "ws", "wss"} and urlparse(url).netloc != host
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_start_page_in_chromium_draws_its_charts_without_leaving_the_host(page, live_server, tmp_path):
    ensure_default_leave_types()
    manager = StaffFactory(email="console.staff@example.com", display_name="Mina Manager")
    report = UserFactory(manager=manager, display_name="Rita Report")
    now = timezone.now()
    for day in range(1, 40, 3):
        start = now - timedelta(days=day, hours=3)
        TimeEntryFactory(user=report, project=ProjectFactory(), start=start, end=start + timedelta(hours=2))
    LeaveRequestFactory(user=report, start_date=now.date() + timedelta(days=9), status="pending")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", manager.email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("#start-page")
    for key in CHARTS:
        page.wait_for_selector(f"svg#chart-{key}")
    assert page.locator("#chart-hours-per-week rect").count() == 12
    assert page.locator("#waiting-leave li").count() == 1
    shot = tmp_path / "start-page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    for path in ("/admin/", "/admin/tracking/timeentry/", "/admin/leave/leaverequest/", "/admin/accounts/user/"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, (path, width)
    assert _only_local(page, live_server) == []
