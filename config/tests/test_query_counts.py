"""Every list and report route costs a fixed number of queries, equal to its checked-in baseline.

The routes come from the URL resolver and the API schema (`config/tests/query_baselines.py` says
which count), so a route added later is tested without touching this file's test functions: it
fails until SCENARIOS below says how to fill it and its app's `tests/query_counts.json` holds its
baseline. For each route the test makes 2 objects the requester can see, calls the route and
counts the queries, then makes 20 and calls it again: the two counts must be equal, and equal to
the baseline. `UPDATE_QUERY_BASELINES=1` writes what it measured into the baseline files.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User, UserSettings
from accounts.tests.factories import AdminFactory, NotificationFactory, StaffFactory, UserFactory
from analytics.tests.factories import ExportJobFactory, ReportShareFactory
from config.testing import bearer_client
from config.tests.query_baselines import (
    BASELINE_FILE,
    UPDATE_ENV,
    ListRoute,
    baseline_files,
    expected_count,
    list_routes,
    read_baselines,
    record_counts,
    updating,
    write_baselines,
)
from groups.tests.factories import GroupFactory, GroupSessionFactory, InviteFactory, MembershipFactory
from leave.tests.factories import (
    HolidayFactory,
    LeaveRequestFactory,
    LeaveTypeFactory,
    ensure_default_leave_types,
    ledger_row,
)
from media.models import Image, ImageKind
from scheduling.tests.factories import AppointmentFactory, OverrideFactory, ScheduleFactory, ServiceFactory
from tracking.models import LapImage, SessionParticipant, TimeEntry
from tracking.tests.factories import ProjectFactory, SessionFactory, TaskFactory, TimeEntryFactory, at

SIZES = (2, 20)
WINDOW = {"from": "2025-09-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}


@dataclass
class Scenario:
    """One route's data: who asks, the path parameters and query, and `add(n)`, which makes `n`
    more objects that the requester sees in the route's collection."""

    requester: User
    add: Callable[[int], None]
    kwargs: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)


def _image(owner, kind: str, key: str) -> Image:
    return Image.objects.create(
        owner=owner, kind=kind, key=key, content_type="image/png", byte_size=10, width=1, height=1, confirmed=True
    )


def _laps_with_images(session, count: int, day: int = 0) -> None:
    """`count` more finished laps of the session's owner, each with one image."""
    done = TimeEntry.objects.filter(session=session).count()
    for index in range(done, done + count):
        start = at(day, 0) + timedelta(minutes=30 * index)
        lap = TimeEntryFactory(user=session.owner, session=session, start=start, end=start + timedelta(minutes=20))
        key = f"{session.owner.uuid}/{session.uuid}/{lap.uuid}_x.png"
        LapImage.objects.create(lap=lap, image=_image(session.owner, ImageKind.LAP_IMAGE, key))


# --- accounts ---------------------------------------------------------------------------------


def users() -> Scenario:
    manager = StaffFactory()

    def add(count):
        for account in UserFactory.create_batch(count, manager=manager):
            account.avatar = _image(account, ImageKind.AVATAR, f"avatars/{account.uuid}/a.png")
            account.save(update_fields=["avatar"])

    return Scenario(AdminFactory(), add)


def notifications() -> Scenario:
    user = UserFactory()
    return Scenario(user, lambda count: NotificationFactory.create_batch(count, user=user))


# --- tracking ---------------------------------------------------------------------------------


def projects() -> Scenario:
    return Scenario(UserFactory(), lambda count: ProjectFactory.create_batch(count))


def tasks() -> Scenario:
    return Scenario(UserFactory(), lambda count: TaskFactory.create_batch(count))


def time_entries() -> Scenario:
    user = UserFactory()
    task = TaskFactory()
    session = SessionFactory(owner=user)

    def add(count):
        TimeEntryFactory.create_batch(count, user=user, project=task.project, task=task, session=session)

    return Scenario(user, add, query=WINDOW)


def sessions(**query) -> Callable[[], Scenario]:
    """Stopped sessions of the requester's, one a day, each with three laps that carry an image."""

    def build() -> Scenario:
        user = UserFactory()
        days = iter(range(100))

        def add(count):
            for day in itertools.islice(days, count):
                session = SessionFactory(owner=user, status="stopped", started_at=at(day, 0), ended_at=at(day, 2))
                _laps_with_images(session, 3, day=day)

        return Scenario(user, add, query=query)

    return build


def session_laps() -> Scenario:
    """One session of the requester's whose laps (each with an image) are the collection."""
    user = UserFactory()
    session = SessionFactory(owner=user, status="stopped", started_at=at(0, 0), ended_at=at(1, 0))
    return Scenario(user, lambda count: _laps_with_images(session, count), kwargs={"id": session.uuid})


def session_participants() -> Scenario:
    user = UserFactory()
    session = SessionFactory(owner=user)

    def add(count):
        for member in UserFactory.create_batch(count):
            SessionParticipant.objects.create(session=session, user=member)
            TimeEntryFactory(user=member, session=session)

    return Scenario(user, add, kwargs={"id": session.uuid})


def compliance() -> Scenario:
    """Each object is one person with one over-long day (a daily-maximum violation)."""

    def add(count):
        for person in UserFactory.create_batch(count):
            UserSettings.objects.create(user=person, week_start="sunday")
            TimeEntryFactory(user=person, start=at(1, 6), end=at(1, 18))

    return Scenario(AdminFactory(), add, query={"from": "2025-09-15T00:00:00Z", "to": "2025-09-22T00:00:00Z"})


# --- groups -----------------------------------------------------------------------------------


def groups() -> Scenario:
    user = UserFactory()

    def add(count):
        for group in GroupFactory.create_batch(count, owner=user):
            MembershipFactory.create_batch(2, group=group)

    return Scenario(user, add)


def group_members() -> Scenario:
    group = GroupFactory()
    return Scenario(group.owner, lambda count: MembershipFactory.create_batch(count, group=group), {"id": group.uuid})


def group_sessions() -> Scenario:
    group = GroupFactory()
    members = [membership.user for membership in MembershipFactory.create_batch(2, group=group)]

    def add(count):
        for _ in range(count):
            session = GroupSessionFactory(group=group).session
            SessionParticipant.objects.bulk_create(SessionParticipant(session=session, user=m) for m in members)

    return Scenario(group.owner, add, {"id": group.uuid})


def group_progress() -> Scenario:
    """Each object is one member with time in the group's session this period."""
    group = GroupFactory()
    session = GroupSessionFactory(group=group).session

    def add(count):
        start = timezone.now() - timedelta(hours=2)
        for membership in MembershipFactory.create_batch(count, group=group):
            TimeEntryFactory(user=membership.user, session=session, start=start, end=start + timedelta(minutes=30))

    return Scenario(group.owner, add, {"id": group.uuid})


def invites() -> Scenario:
    user = UserFactory()
    managed = GroupFactory(owner=user)

    def add(count):
        received = count // 2
        InviteFactory.create_batch(received, invitee=user, email=user.email)
        InviteFactory.create_batch(count - received, group=managed, inviter=user)

    return Scenario(user, add)


# --- leave ------------------------------------------------------------------------------------

LEAVE_YEAR = {"year": 2027}
LEAVE_WINDOW = {"from": "2027-01-01", "to": "2028-01-01"}


def leave_requests() -> Scenario:
    ensure_default_leave_types()
    user = UserFactory()
    return Scenario(user, lambda count: LeaveRequestFactory.create_batch(count, user=user))


def leave_types() -> Scenario:
    ensure_default_leave_types()
    return Scenario(UserFactory(), lambda count: LeaveTypeFactory.create_batch(count))


def leave_balances() -> Scenario:
    """Each object is one more leave type, with two ledger rows and a pending request of the user's."""
    user = UserFactory()

    def add(count):
        for leave_type in LeaveTypeFactory.create_batch(count):
            ledger_row(user, days=10, leave_type=leave_type)
            ledger_row(user, days=-1, kind="adjustment", leave_type=leave_type)
            LeaveRequestFactory(user=user, leave_type=leave_type)

    return Scenario(user, add, query=LEAVE_YEAR)


def leave_ledger() -> Scenario:
    ensure_default_leave_types()
    user = UserFactory()
    return Scenario(user, lambda count: [ledger_row(user, days=1) for _ in range(count)], query=LEAVE_YEAR)


def leave_calendar() -> Scenario:
    """Each object is one more person off (with their own country) in the window."""
    ensure_default_leave_types()
    countries = itertools.cycle(["DE", "FR", "AT", ""])

    def add(count):
        for person in UserFactory.create_batch(count):
            person.country = next(countries)
            person.save(update_fields=["country"])
            LeaveRequestFactory(user=person)

    return Scenario(AdminFactory(), add, query=LEAVE_WINDOW)


def holidays() -> Scenario:
    """Company holidays on days of their own (the requester has no country: no public holidays)."""
    days = itertools.count()
    return Scenario(
        UserFactory(),
        lambda count: [HolidayFactory(date=date(2027, 1, 1) + timedelta(days=next(days))) for _ in range(count)],
        query=LEAVE_WINDOW,
    )


# --- analytics --------------------------------------------------------------------------------


def _entries_on_new_projects(user) -> Callable[[int], None]:
    """add(n): n more projects, each with one hour of `user`'s on its own day."""
    days = itertools.count()

    def add(count):
        for project in ProjectFactory.create_batch(count):
            day = next(days)
            TimeEntryFactory(user=user, project=project, start=at(day, 8), end=at(day, 9))

    return add


def report_summary() -> Scenario:
    """Each object is one more project (a group), with a sub-group per day."""
    user = UserFactory()
    return Scenario(user, _entries_on_new_projects(user), query={**WINDOW, "group": "project", "sub_group": "day"})


def report_detailed() -> Scenario:
    user = UserFactory()
    return Scenario(user, _entries_on_new_projects(user), query=WINDOW)


def report_weekly() -> Scenario:
    """Each object is one more project: a row of the grid."""
    user = UserFactory()
    hours = itertools.count()

    def add(count):
        for project in ProjectFactory.create_batch(count):
            start = at(0, 0) + timedelta(minutes=20 * next(hours))
            TimeEntryFactory(user=user, project=project, start=start, end=start + timedelta(minutes=10))

    return Scenario(user, add, query={"week": "2025-W38", "timezone": "UTC"})


def export_jobs() -> Scenario:
    user = UserFactory()
    return Scenario(user, lambda count: ExportJobFactory.create_batch(count, owner=user))


def report_time_account() -> Scenario:
    """A month of days; each object is one more day with an entry, a company holiday and a day of
    approved leave in it."""
    ensure_default_leave_types()
    user = UserFactory(country="DE", subdivision="BE")
    days = itertools.count()

    def add(count):
        for _ in range(count):
            offset = next(days)
            day = date(2025, 9, 1) + timedelta(days=offset)
            TimeEntryFactory(user=user, start=at(offset - 14, 8), end=at(offset - 14, 9))
            HolidayFactory(date=day, name=f"Day {day}", half_day=True)
            LeaveRequestFactory(user=user, start_date=day, end_date=day, status="approved")

    return Scenario(user, add, query={"from": "2025-09-01", "to": "2025-09-30"})


def report_shares() -> Scenario:
    user = UserFactory()
    return Scenario(user, lambda count: ReportShareFactory.create_batch(count, owner=user))


def report_shared() -> Scenario:
    """A link to a summary by project and day; each object is one more project (a group)."""
    user = UserFactory()
    share = ReportShareFactory(owner=user)
    return Scenario(user, _entries_on_new_projects(user), kwargs={"token": share.token})


def dashboard() -> Scenario:
    """The requester's week; each object is one more focus group of theirs (its current period)."""
    ensure_default_leave_types()
    user = UserFactory()
    TimeEntryFactory(user=user, start=timezone.now() - timedelta(hours=1), end=None)

    def add(count):
        for group in GroupFactory.create_batch(count):
            MembershipFactory(group=group, user=user)

    return Scenario(user, add)


def report_compliance() -> Scenario:
    """Each object is one person with one over-long day."""

    def add(count):
        for person in UserFactory.create_batch(count):
            TimeEntryFactory(user=person, start=at(1, 6), end=at(1, 18))

    return Scenario(AdminFactory(), add, query={"from": "2025-09-15T00:00:00Z", "to": "2025-09-22T00:00:00Z"})


# --- scheduling -------------------------------------------------------------------------------


def services() -> Scenario:
    """Each object is one more active service, offered by two staff members."""
    return Scenario(UserFactory(), lambda count: ServiceFactory.create_batch(count, staff=StaffFactory.create_batch(2)))


def appointments() -> Scenario:
    user = UserFactory()
    return Scenario(user, lambda count: AppointmentFactory.create_batch(count, customer=user))


def staff_availability() -> Scenario:
    """Each object is one more weekly interval of a staff member's schedule."""
    schedule = ScheduleFactory(weekly=[])

    def add(count):
        for index in range(len(schedule.weekly), len(schedule.weekly) + count):
            hour = f"{6 + index // 7:02d}"
            schedule.weekly.append({"weekday": index % 7 + 1, "start": f"{hour}:00", "end": f"{hour}:30"})
        schedule.save()

    return Scenario(UserFactory(), add, kwargs={"id": schedule.staff.uuid}, query={"on": "2026-06-01"})


def staff_overrides() -> Scenario:
    staff = StaffFactory()
    days = itertools.count()

    def add(count):
        for _ in range(count):
            OverrideFactory(staff=staff, date=date(2027, 1, 1) + timedelta(days=next(days)))

    return Scenario(UserFactory(), add, kwargs={"id": staff.uuid})


# How to fill each list route, by URL name. A route the discovery finds must have an entry here.
SCENARIOS: dict[str, Callable[[], Scenario]] = {
    "accounts:user-list": users,
    "accounts:notification-list": notifications,
    "tracking:project-list": projects,
    "tracking:task-list": tasks,
    "tracking:time-entry-list": time_entries,
    "tracking:session-list": sessions(),
    "tracking:session-by-date": sessions(**WINDOW),
    "tracking:session-detail": session_laps,
    "tracking:session-latest": session_laps,
    "tracking:session-participants": session_participants,
    "tracking:compliance": compliance,
    "groups:group-list": groups,
    "groups:group-members": group_members,
    "groups:group-sessions": group_sessions,
    "groups:group-progress-current": group_progress,
    "groups:invite-list": invites,
    "analytics:dashboard": dashboard,
    "analytics:export-list": export_jobs,
    "analytics:report-compliance": report_compliance,
    "analytics:report-detailed": report_detailed,
    "analytics:report-share-list": report_shares,
    "analytics:report-shared": report_shared,
    "analytics:report-summary": report_summary,
    "analytics:report-time-account": report_time_account,
    "analytics:report-weekly": report_weekly,
    "leave:holiday-list": holidays,
    "leave:leave-balances": leave_balances,
    "leave:leave-calendar": leave_calendar,
    "leave:leave-ledger": leave_ledger,
    "leave:leave-request-list": leave_requests,
    "leave:leave-type-list": leave_types,
    "scheduling:appointment-list": appointments,
    "scheduling:service-list": services,
    "scheduling:staff-availability": staff_availability,
    "scheduling:staff-availability-overrides": staff_overrides,
}

TEST_FILE = "config/tests/test_query_counts.py"
HOW_TO_RECORD = (
    f"Run `{UPDATE_ENV}=1 pytest {TEST_FILE}` on SQLite and on PostgreSQL: it writes what it measures into "
    f"<app>/{BASELINE_FILE}. Check the numbers and commit the file."
)
HOW_TO_ADD_SCENARIO = (
    f"Add an entry for it to SCENARIOS in {TEST_FILE}: a function that makes the requester and returns a "
    "Scenario whose add(n) makes n more objects that the requester sees in the route's collection. "
    f"Then record its baseline. {HOW_TO_RECORD}"
)


def _call(client, route: ListRoute, scenario: Scenario, size: int):
    query = dict(scenario.query)
    if route.collection == "results":
        query["page_size"] = 100  # the whole collection on one page
    # Counted as a client's next request: its user is cached (config/api/user_cache.py).
    client.get("/api/v1/auth/me/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(route.path.format(**scenario.kwargs), query)
    assert response.status_code == 200, (route.name, response.status_code, response.content[:500])
    body = response.json()
    collection = body[route.collection] if route.collection else body
    assert len(collection) >= size, (
        f"{route.name}: the scenario made {size} objects but the response holds {len(collection)}: "
        "its add(n) must make objects the requester sees"
    )
    return [query["sql"] for query in queries.captured_queries]


def _sql(queries: list[str]) -> str:
    return "\n".join(f"  {index}. {sql}" for index, sql in enumerate(queries, 1))


@pytest.mark.django_db
@pytest.mark.parametrize("route", list_routes(), ids=str)
def test_list_route_query_count_is_fixed_and_matches_its_baseline(route):
    if route.name not in SCENARIOS:
        pytest.fail(f"{route.name} ({route.path}) is a list route without a scenario. {HOW_TO_ADD_SCENARIO}")
    scenario = SCENARIOS[route.name]()
    client = bearer_client(scenario.requester)
    captured, made = {}, 0
    for size in SIZES:
        scenario.add(size - made)
        made = size
        captured[size] = _call(client, route, scenario, size)
    counts = {size: len(queries) for size, queries in captured.items()}
    vendor = connection.vendor
    small, large = SIZES
    if updating():
        record_counts(route, counts, vendor)
    assert counts[small] == counts[large], (
        f"{route.name}: {counts[small]} queries for {small} objects but {counts[large]} for {large}; "
        f"the count must not grow with the collection. Queries for {large}:\n{_sql(captured[large])}"
    )
    entry = read_baselines(route.baseline_file).get(route.name)
    if entry is None:
        pytest.fail(f"{route.name} has no query-count baseline in {route.baseline_name}. {HOW_TO_RECORD}")
    for size in SIZES:
        expected = expected_count(entry.get(str(size)), vendor)
        assert expected is not None, f"{route.name}: no baseline for {size} objects on {vendor}. {HOW_TO_RECORD}"
        assert counts[size] <= expected, (
            f"{route.name} on {vendor} with {size} objects: {counts[size]} queries, the baseline is {expected}. "
            f"Remove the extra queries, or if they are meant, raise the baseline ({UPDATE_ENV}=1). "
            f"Queries:\n{_sql(captured[size])}"
        )
        assert counts[size] >= expected, (
            f"{route.name} on {vendor} with {size} objects: {counts[size]} queries, fewer than the baseline "
            f"{expected}. Lower the baseline in {route.baseline_name} (run with {UPDATE_ENV}=1) so it stays exact."
        )


def test_the_discovery_finds_lists_and_reports_and_skips_single_objects():
    names = {route.name: route for route in list_routes()}
    assert names["tracking:time-entry-list"].path == "/api/v1/time-entries/"
    assert names["tracking:session-participants"].path == "/api/v1/sessions/{id}/participants/"
    assert names["tracking:compliance"].collection == "results"  # an ApiView report
    assert names["groups:group-progress-current"].collection == "members"  # a report that is not a page
    assert names["tracking:session-detail"].collection == "laps"  # a nested collection
    for single in ("accounts:me", "accounts:settings", "tracking:time-entry-current", "tracking:time-entry-detail"):
        assert single not in names
    assert not [name for name in names if name.startswith(("schema", "swagger", "redoc"))]


def test_every_scenario_and_baseline_names_a_list_route_of_its_app():
    routes = {route.name: route for route in list_routes()}
    gone = sorted(set(SCENARIOS) - set(routes))
    assert not gone, f"SCENARIOS has entries for routes that are not list routes (any more): {gone}"
    for path in baseline_files():
        baselines = read_baselines(path)
        strays = sorted(name for name in baselines if name not in routes or routes[name].baseline_file != path)
        if strays and updating():
            write_baselines(path, {name: entry for name, entry in baselines.items() if name not in strays})
            continue
        assert not strays, (
            f"{path.relative_to(settings.BASE_DIR)} has baselines for routes that are not list routes of its app: "
            f"{strays}. Remove them, or run with {UPDATE_ENV}=1."
        )
