"""The paths a client calls all day (bench/README.md): their query counts for a client whose user
is already cached, and the row path of the listing answering exactly what the serializer path
answers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict

from accounts.tests.factories import AdminFactory, StaffFactory, UserFactory
from config.api.renderers import OrjsonRenderer
from config.testing import bearer_client
from groups.tests.factories import GroupFactory, GroupSessionFactory, MembershipFactory
from media.tests.factories import ImageFactory
from tracking.api.serializers import TimeEntryOutput
from tracking.models import LapImage, TimeEntry
from tracking.services import participants
from tracking.tests.factories import ProjectFactory, SessionFactory, TaskFactory, TimeEntryFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/time-entries/"
WEEK = {"from": "2025-09-15T00:00:00Z", "to": "2025-09-22T00:00:00Z"}
MONDAY = datetime(2025, 9, 15, tzinfo=UTC)


def count(call) -> tuple[object, int]:
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return result, len(captured.captured_queries)


def warm_client(user):
    client = bearer_client(user)
    assert client.get("/api/v1/auth/me/").status_code == 200  # caches the user
    return client


def week_of_entries(user, n: int = 5) -> None:
    task = TaskFactory()
    session = SessionFactory(owner=user)
    for day in range(n):
        start = MONDAY + timedelta(days=day, hours=9, microseconds=123456 * (day % 2))
        TimeEntryFactory(
            user=user,
            start=start,
            end=start + timedelta(hours=2),
            project=task.project if day % 3 else None,
            task=task if day % 3 == 1 else None,
            session=session if day == 2 else None,
            notes="naïve café \u2028 line" if day == 0 else "",
        )
    TimeEntryFactory(user=user, start=timezone.now() - timedelta(minutes=5), end=None)


# --- the listing's row path -----------------------------------------------------------------


def test_the_row_path_answers_byte_for_byte_what_the_serializer_answers(user):
    week_of_entries(user)
    client = warm_client(user)
    response = client.get(LIST, {**WEEK, "page_size": 50})
    assert response.status_code == 200
    entries = TimeEntry.objects.filter(user=user, start__lt=WEEK["to"], end__gt=WEEK["from"]).order_by("-start", "-id")
    expected = JSONRenderer().render(TimeEntryOutput(entries, many=True).data)
    body = json.loads(response.content)
    assert body["count"] == 5 and body["next"] is None and body["previous"] is None
    results_bytes = response.content[response.content.index(b'"results":') + len(b'"results":') : -1]
    assert results_bytes == expected


def test_a_running_entry_and_an_open_window_also_match_the_serializer(user):
    week_of_entries(user)
    client = warm_client(user)
    rows = client.get(LIST, {"page_size": 3}).json()
    generic = client.get(LIST, {"page_size": 3, "ordering": "-start"}).json()  # the serializer path
    for row, other in zip(rows["results"], generic["results"], strict=True):
        assert row.keys() == other.keys()
        assert {k: v for k, v in row.items() if k != "duration"} == {k: v for k, v in other.items() if k != "duration"}
        assert abs(row["duration"] - other["duration"]) <= 1
    assert rows["count"] == generic["count"] == 6
    assert rows["results"][0]["running"] is True


def test_pages_link_to_each_other_as_before(user):
    week_of_entries(user)
    client = warm_client(user)
    first = client.get(LIST, {**WEEK, "page_size": 2}).json()
    assert first["count"] == 5 and first["previous"] is None
    assert first["next"].startswith("http://testserver/api/v1/time-entries/?") and "page=2" in first["next"]
    second = client.get(first["next"]).json()
    assert "page=" not in second["previous"] and "page=3" in second["next"]
    third = client.get(second["next"]).json()
    assert "page=2" in third["previous"] and third["next"] is None and len(third["results"]) == 1
    assert client.get(LIST, {**WEEK, "page_size": 2, "page": 4}).status_code == 404


@pytest.mark.parametrize(
    "query, status, field",
    [
        ({"from": "yesterday", "to": WEEK["to"]}, 400, "from"),
        ({"from": "2025-09-15T00:00:00", "to": WEEK["to"]}, 400, "from"),
        ({"from": WEEK["to"], "to": WEEK["from"]}, 400, "to"),
        ({**WEEK, "page_size": "0"}, 400, "page_size"),
        ({**WEEK, "page": "x"}, 404, None),
    ],
)
def test_bad_query_values_answer_as_before(user, query, status, field):
    response = warm_client(user).get(LIST, query)
    assert response.status_code == status
    if field:
        assert field in response.json()["error"]["fields"]


# --- query counts ---------------------------------------------------------------------------
# Before the user cache, the listing's row path and the one-query working-time guard: listing 3
# (user, count, page), /auth/me 1, create 12, timer start 13, timer stop 10, session start 21,
# session stop 16, session detail 4, group progress 3. Before the session commands answered from
# the session they hold (and the detail read its laps as rows), took their laps' rows in place of
# the session's aggregate and the archived-group check with the locked row: session start 19 (18
# once the working-time check stopped reading the settings again), stop 15, detail 3. Before a
# write stopped running in a savepoint: create 9, timer start 10, session start 13; before a
# single new row was checked for overlaps in its own INSERT: create 7, timer start 8, session
# start 11; before an open-ended one's running check rode along (and a create's project lookup
# took the lock): create 6, timer start 7, session start 10; before an owner's command locked
# the owner's row with the session's: session start 9, stop 9.


def test_the_week_listing_is_one_query(user):
    week_of_entries(user)
    client = warm_client(user)
    response, queries = count(lambda: client.get(LIST, {**WEEK, "page_size": 50}))
    assert response.status_code == 200 and queries == 1


def test_an_admin_listing_or_an_open_window_counts_separately(user):
    week_of_entries(user)
    admin = warm_client(AdminFactory())
    _, queries = count(lambda: admin.get(LIST, {**WEEK, "page_size": 50}))
    assert queries == 2
    client = warm_client(user)
    _, queries = count(lambda: client.get(LIST))
    assert queries == 2


def test_auth_me_costs_no_query(user):
    client = warm_client(user)
    response, queries = count(lambda: client.get("/api/v1/auth/me/"))
    assert response.status_code == 200 and queries == 0


def test_writes_and_reads_cost_their_known_queries(user):
    project = ProjectFactory(code="HOT")
    client = warm_client(user)
    now = timezone.now().replace(microsecond=0)
    body = {
        "start_utc": (now - timedelta(hours=3)).isoformat(),
        "end_utc": (now - timedelta(hours=2)).isoformat(),
        "project_code": project.code,
    }
    measured = {}
    response, measured["create"] = count(lambda: client.post(LIST, body))
    assert response.status_code == 201
    response, measured["timer_start"] = count(lambda: client.post(f"{LIST}start/", {}))
    assert response.status_code == 201
    timer = response.json()["id"]
    response, measured["timer_stop"] = count(lambda: client.post(f"{LIST}{timer}/stop/"))
    assert response.status_code == 200
    session = SessionFactory(owner=user)
    response, measured["session_start"] = count(lambda: client.post(f"/api/v1/sessions/{session.uuid}/start/"))
    assert response.status_code == 200
    response, measured["session_stop"] = count(lambda: client.post(f"/api/v1/sessions/{session.uuid}/stop/"))
    assert response.status_code == 200
    response, measured["session_detail"] = count(lambda: client.get(f"/api/v1/sessions/{session.uuid}/"))
    assert response.status_code == 200
    # A new row's checks, a create's project lookup and an owner's user lock: folded into other
    # statements on PostgreSQL.
    apart = 0 if connection.vendor == "postgresql" else 1
    assert measured == {
        "create": 5 + 2 * apart,
        "timer_start": 6 + 2 * apart,
        "timer_stop": 7,
        "session_start": 8 + 3 * apart,
        "session_stop": 8 + apart,
        "session_detail": 2,
    }


def test_session_commands_and_the_detail_answer_what_the_serializer_answers(user, other_user, clock):
    """The commands answer with the session they hold and the detail reads laps and images as rows
    (tracking.api.serializers.session_output); both must be byte for byte what SessionOutput
    renders, for every kind of reader. A detail request with a filter still takes DRF's generic
    path, which serializes model instances: the yardstick."""
    staff, admin = StaffFactory(), AdminFactory()
    user.manager = staff
    user.save()
    task = TaskFactory()
    session = SessionFactory(owner=user, title="Focus \u2028 naïve", notes="notes")
    participants.session_participant_join(actor=other_user, session=session, user=other_user)
    base = clock.now - timedelta(hours=3)
    lap = TimeEntryFactory(
        user=user, session=session, start=base, end=base + timedelta(minutes=40, microseconds=250), task=task,
        project=task.project, notes="first",
    )  # fmt: skip
    for minutes in (2, 1):  # created out of order: listed by creation
        image = ImageFactory(owner=user, width=None, height=None) if minutes == 1 else ImageFactory(owner=user)
        LapImage.objects.create(lap=lap, image=image, created_at=base + timedelta(minutes=minutes))
    TimeEntryFactory(
        user=other_user, session=session, start=base + timedelta(minutes=50), end=base + timedelta(hours=1)
    )
    url = f"/api/v1/sessions/{session.uuid}/"
    clients = {person: warm_client(person) for person in (user, other_user, staff, admin)}

    def same_as_detail(person, response, status=200):
        assert response.status_code == status, response.content
        detail = clients[person].get(url)
        generic = clients[person].get(url, {"status": detail.json()["status"]})
        assert response.content == detail.content == generic.content

    same_as_detail(user, clients[user].post(f"{url}start/"))
    clock.advance(minutes=7)
    same_as_detail(other_user, clients[other_user].post(f"{url}clock-in/"), status=201)
    clock.advance(minutes=3)
    same_as_detail(other_user, clients[other_user].post(f"{url}clock-out/"))
    same_as_detail(admin, clients[admin].post(f"{url}pause/"))  # audited: the ADMIN is not the owner
    for command in ("resume", "lap", "stop"):
        clock.advance(minutes=5)
        same_as_detail(user, clients[user].post(f"{url}{command}/"))
    for person in (user, other_user, staff, admin):
        same_as_detail(person, clients[person].get(url))
    body = clients[staff].get(url).json()
    assert body["lap_count"] == 4 and len(clients[user].get(url).json()["laps"]) == 6  # STAFF: the report's laps
    assert [image["width"] for image in body["laps"][0]["images"]] == [None, 1]
    # Filters on the detail and the commands keep DRF's path and its 404 for a filtered-out object.
    assert clients[user].get(url, {"status": "running"}).status_code == 404
    assert clients[user].post(f"{url}start/?status=running").status_code == 404
    assert warm_client(UserFactory()).post(f"{url}stop/").status_code == 404


@pytest.mark.postgres
def test_the_written_out_session_queries_return_what_the_orm_queries_return(user, other_user):
    from tracking import selectors

    session = SessionFactory(owner=user)
    task = TaskFactory()
    lap = TimeEntryFactory(user=user, session=session, task=task, project=task.project, start=MONDAY)
    for minutes in (3, 1):
        LapImage.objects.create(lap=lap, image=ImageFactory(owner=user), created_at=MONDAY + timedelta(minutes=minutes))
    TimeEntryFactory(user=other_user, session=session, start=MONDAY + timedelta(hours=2), end=None)
    TimeEntryFactory(user=user, session=session, start=MONDAY - timedelta(hours=2))
    TimeEntryFactory(user=user, start=MONDAY + timedelta(hours=4))  # outside the session
    written = selectors.session_all_lap_rows(session=session)
    assert written == selectors.session_all_lap_rows(session=session, orm=True)
    assert len(written) == 4 and [row[2] for row in written] == sorted(row[2] for row in written)
    session.refresh_from_db()
    for uuid in (session.uuid, str(session.uuid), session.uuid.hex):
        found, by_orm = (selectors.session_addressed(actor=user, uuid=uuid, orm=orm) for orm in (False, True))
        assert found[1] == by_orm[1] == user.uuid
        assert [found[0].__dict__[name] for name in selectors.SESSION_COLUMNS] == [
            by_orm[0].__dict__[name] for name in selectors.SESSION_COLUMNS
        ]
        assert found[0].started_at is None and found[0].created_at == session.created_at
    assert selectors.session_addressed(actor=other_user, uuid=session.uuid) is None
    TimeEntryFactory(user=user, session=session, start=MONDAY + timedelta(hours=6), end=None, project=task.project)
    for who in (None, user, other_user, UserFactory()):
        running, by_orm = (selectors.session_running_laps(session=session, user=who, orm=orm) for orm in (False, True))
        columns = selectors.ENTRY_COLUMNS
        assert [[getattr(lap, c) for c in columns] for lap in running] == [
            [getattr(lap, c) for c in columns] for lap in by_orm
        ]
        assert all(not lap._state.adding for lap in running)
        assert len(running) == {None: 2, user: 1, other_user: 1}.get(who, 0)


@pytest.mark.postgres
def test_the_compiled_session_lock_reads_what_the_orm_query_reads(user):
    """On PostgreSQL an owner's command locks the session with a statement compiled once
    (session_state._lock_own_session); the ORM query it stands for reads the same columns and the
    same write facts (here groups' archived group)."""
    from django.db import transaction

    from groups.models import Group, GroupStatus
    from tracking.hooks import session_write_facts
    from tracking.models import Session
    from tracking.selectors import SESSION_COLUMNS
    from tracking.services import session_state

    archived = GroupSessionFactory()
    Group.objects.filter(pk=archived.group_id).update(status=GroupStatus.ARCHIVED, archived_at=timezone.now())
    names = (*SESSION_COLUMNS, "archived_group_id")
    for session in (SessionFactory(owner=user), GroupSessionFactory().session, archived.session):
        with transaction.atomic():
            compiled = session_state._lock_own_session(session.pk, session.owner)
            facts = session_state._write_facts()
            by_orm = Session.objects.select_for_update(of=("self",)).annotate(**facts).get(pk=session.pk)
        assert [compiled.__dict__[name] for name in names] == [by_orm.__dict__[name] for name in names]
        assert compiled.archived_group_id == (archived.group_id if session == archived.session else None)
    sql = session_state._own_session_statement(session_write_facts.functions)[0]
    assert sql.endswith('FOR UPDATE OF "tracking_session"')
    with pytest.raises(Session.DoesNotExist), transaction.atomic():
        session_state._lock_own_session(-1, user)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_compiled_session_lock_holds_the_owner_and_the_session():
    """One statement takes both locks of an owner's command (the owner's row, then the session's):
    another connection finds both rows locked until the transaction ends."""
    from django.db import OperationalError, connections, transaction

    from tracking.services import session_state

    owner = UserFactory()
    session = SessionFactory(owner=owner)
    statements = {
        "owner": "SELECT 1 FROM accounts_user WHERE id = %s FOR UPDATE NOWAIT",
        "session": "SELECT 1 FROM tracking_session WHERE id = %s FOR UPDATE NOWAIT",
    }
    other = connections.create_connection("default")

    def locked() -> set[str]:
        found = set()
        for name, sql in statements.items():
            try:
                with other.cursor() as cursor:
                    cursor.execute(sql, [owner.pk if name == "owner" else session.pk])
            except OperationalError:
                found.add(name)
            finally:
                other.rollback()
        return found

    try:
        other.set_autocommit(False)
        with transaction.atomic():
            session_state._lock_own_session(session.pk, owner)
            assert locked() == {"owner", "session"}
        assert locked() == set()
    finally:
        other.close()


def test_group_progress_costs_its_known_queries():
    group = GroupFactory()
    session = GroupSessionFactory(group=group).session
    start = timezone.now() - timedelta(hours=2)
    for membership in MembershipFactory.create_batch(3, group=group):
        TimeEntryFactory(user=membership.user, session=session, start=start, end=start + timedelta(minutes=30))
    client = warm_client(group.owner)
    response, queries = count(lambda: client.get(f"/api/v1/groups/{group.uuid}/progress/current/"))
    assert response.status_code == 200 and queries == 2


# --- the renderer ---------------------------------------------------------------------------


def test_the_orjson_renderer_writes_the_same_bytes_as_drf():
    """Except one thing no response of this API holds: a float below 1e-4 or from 1e16 up,
    which orjson spells 1e-5 where Python spells 1e-05 (the same number either way)."""
    data = ReturnDict(
        {
            "utc": datetime(2025, 9, 15, 8, 0, tzinfo=UTC),
            "micro": datetime(2025, 9, 15, 8, 0, 0, 120, tzinfo=UTC),
            "offset": datetime(2025, 9, 15, 8, 0).astimezone(timezone.get_fixed_timezone(120)),
            "day": datetime(2025, 9, 15).date(),
            "id": UUID("12345678-1234-5678-1234-567812345678"),
            "money": Decimal("12.50"),
            "lazy": gettext_lazy("Not found."),
            "text": 'naïve ✓ \u2028 \u2029 "quoted" \\ </script>',
            "numbers": [0, -1, 12.5, 0.1, 0.0001, 123.45, 2**53, True, False, None],
            "nested": {"a": [{"b": ()}], "empty": {}},
        },
        serializer=None,
    )
    assert OrjsonRenderer().render(data) == JSONRenderer().render(data)
    assert OrjsonRenderer().render(None) == b""
    indented = "application/json; indent=2"
    assert OrjsonRenderer().render({"a": 1}, indented) == JSONRenderer().render({"a": 1}, indented)
    assert OrjsonRenderer().render({"big": 2**70}) == JSONRenderer().render({"big": 2**70})


def test_a_user_of_another_user_is_not_listed(user):
    TimeEntryFactory(user=UserFactory(), start=MONDAY + timedelta(hours=9), end=MONDAY + timedelta(hours=10))
    assert warm_client(user).get(LIST, WEEK).json()["count"] == 0


@pytest.mark.postgres
def test_the_written_out_week_query_returns_what_the_orm_query_returns(user):
    """A USER's week runs as OWN_WEEK_SQL on PostgreSQL; a STAFF member's goes through the ORM.
    Both read the same entries of the same person, page by page."""
    from tracking import selectors

    week_of_entries(user)
    staff = StaffFactory()
    user.manager = staff
    user.save()
    staff_view = list(TimeEntry.objects.filter(user=user).order_by("-start", "-id"))
    start, end = datetime(2025, 9, 15, tzinfo=UTC), datetime(2025, 9, 22, tzinfo=UTC)
    for offset in (0, 2, 4):
        mine = selectors.time_entry_rows(actor=user, start=start, end=end, offset=offset, limit=2)
        theirs = selectors.time_entry_rows(actor=staff, start=start, end=end, offset=offset, limit=2)
        assert mine == theirs
        assert [row[0] for row in mine.rows] == [e.uuid for e in staff_view if e.start < end][offset : offset + 2]
    assert selectors.time_entry_rows(actor=user, start=start, end=end, offset=6, limit=2) is None


def test_auth_me_answers_what_its_serializer_answers():
    from accounts.api.serializers import UserOutput

    person = UserFactory(manager=StaffFactory(), display_name="Zoë", timezone="Europe/Berlin")
    response = warm_client(person).get("/api/v1/auth/me/")
    assert response.content == JSONRenderer().render(UserOutput(person).data)


def test_a_throttle_that_is_off_costs_no_cache_call(user, monkeypatch):
    """With API_RATE_LIMIT_USER/ANON off, a listing asks the cache once: for the user's row (and
    the token denylist, in the same call)."""
    from django.core.cache import caches

    from config.api.throttling import AnonThrottle, UserThrottle

    client = warm_client(user)
    for throttle in (AnonThrottle, UserThrottle):
        monkeypatch.setattr(throttle, "THROTTLE_RATES", {"anon": None, "user": None})
    backend, calls, depth = caches["default"], [], []

    def recording(name, method):
        def call(*args, **kwargs):
            if not depth:  # get_many of the local-memory cache calls get itself
                calls.append(name)
            depth.append(name)
            try:
                return method(*args, **kwargs)
            finally:
                depth.pop()

        return call

    for name in ("get", "get_many", "set", "add", "incr", "set_many"):
        monkeypatch.setattr(backend, name, recording(name, getattr(backend, name)))
    assert client.get(LIST, WEEK).status_code == 200
    assert calls == ["get_many"]
