"""Leave over HTTP: the seed's flow, the rules, who may do what."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import AdminFactory, StaffFactory, UserFactory
from audit.models import Action, AuditEvent
from leave.hooks import request_clashes
from leave.models import LeaveLedgerEntry, LeaveRequest, RequestStatus, WorkPattern
from leave.tests.factories import HolidayFactory, LeaveRequestFactory, LeaveTypeFactory, ledger_row

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/leave/requests/"
BALANCES = "/api/v1/leave/balances/"


def vacation_balance(client, year=2027, **query):
    body = client.get(BALANCES, {"year": year, **query}).json()
    return next(b for b in body["balances"] if b["type"] == "VACATION")


def test_the_seed_flow_preview_submit_manager_approves(client_for, employee, manager, clock):
    me = client_for(employee)
    body = {"type": "VACATION", "start_date": "2027-01-05", "end_date": "2027-01-07", "reason": "Skiing"}

    preview = me.post(f"{REQUESTS}preview/", body)
    assert preview.status_code == 200, preview.content
    found = preview.json()
    assert found["days"] == 2
    assert [(h["date"], h["name"], h["source"]) for h in found["holidays"]] == [("2027-01-06", "Epiphany", "public")]
    assert found["balance"] == [
        {
            "year": 2027,
            "days": 2,
            "available_before": 25,
            "available_after": 23,
            "negative_limit": 0,
            "sufficient": True,
        }
    ]
    assert found["problems"] == [] and found["clashes"] == {"own_requests": [], "team_off": 0, "elsewhere": []}
    assert not LeaveRequest.objects.exists()  # a preview writes nothing

    submitted = me.post(REQUESTS, body)
    assert submitted.status_code == 201, submitted.content
    request_id = submitted.json()["id"]
    assert (submitted.json()["status"], submitted.json()["days"]) == ("pending", 2)

    boss = client_for(manager)
    team = boss.get(REQUESTS, {"team": "true", "status": "pending"}).json()
    assert [r["id"] for r in team["results"]] == [request_id]
    assert team["results"][0]["user_email"] == employee.email

    approved = boss.post(f"{REQUESTS}{request_id}/approve/", {"note": "Have fun"})
    assert approved.status_code == 200, approved.content
    assert (approved.json()["status"], approved.json()["warnings"]) == ("approved", [])

    balance = vacation_balance(me)
    assert (balance["taken"], balance["available"], balance["remaining"], balance["pending"]) == (2, 23, 23, 0)
    assert vacation_balance(boss, user=str(employee.uuid)) == balance  # the manager sees the same figures
    inbox = me.get("/api/v1/notifications/").json()["results"]
    assert [n["kind"] for n in inbox] == ["leave.approved"]


def test_half_days_cost_half_and_a_half_day_on_a_half_day_holiday_is_refused(client_for, employee, clock):
    me = client_for(employee)
    body = {"type": "VACATION", "start_date": "2027-03-02", "end_date": "2027-03-03"}
    response = me.post(REQUESTS, {**body, "start_half": "afternoon", "end_half": "morning"})
    assert (response.status_code, response.json()["days"]) == (201, 1)

    HolidayFactory(date=date(2027, 3, 10), name="Half day off", half_day=True)
    refused = me.post(
        REQUESTS, {"type": "VACATION", "start_date": "2027-03-10", "end_date": "2027-03-10", "start_half": "afternoon"}
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "no_working_days"
    unpaid = me.post(
        REQUESTS, {"type": "UNPAID", "start_date": "2027-03-15", "end_date": "2027-03-15", "end_half": "morning"}
    )
    assert unpaid.status_code == 400 and unpaid.json()["error"]["fields"] == {
        "end_half": ["Unpaid leave is taken in whole days."]
    }


def test_overlap_and_balance_are_409s(client_for, employee, manager, admin_user, clock):
    me = client_for(employee)
    first = me.post(REQUESTS, {"type": "VACATION", "start_date": "2027-03-01", "end_date": "2027-03-05"}).json()

    overlap = me.post(REQUESTS, {"type": "SICK", "start_date": "2027-03-05", "end_date": "2027-03-08"})
    assert overlap.status_code == 409
    assert overlap.json()["error"]["code"] == "overlap"
    assert overlap.json()["error"]["conflicting_request"] == first["id"]

    too_long = me.post(REQUESTS, {"type": "VACATION", "start_date": "2027-06-01", "end_date": "2027-07-15"})
    assert too_long.status_code == 409
    assert (too_long.json()["error"]["code"], too_long.json()["error"]["available"]) == ("insufficient_balance", 20)

    # An ADMIN lowers the balance after the request was made: the approval checks again.
    lowered = client_for(admin_user).post(
        "/api/v1/leave/allocations/",
        {"user": str(employee.uuid), "type": "VACATION", "year": 2027, "days": -22, "kind": "adjustment"},
    )
    assert lowered.status_code == 201, lowered.content
    refused = client_for(manager).post(f"{REQUESTS}{first['id']}/approve/")
    assert refused.status_code == 409
    assert (refused.json()["error"]["code"], refused.json()["error"]["available"]) == ("insufficient_balance", 3)


def test_another_staff_gets_404_and_your_own_request_is_403(client_for, employee, manager, clock):
    request = client_for(employee).post(
        REQUESTS, {"type": "VACATION", "start_date": "2027-03-01", "end_date": "2027-03-01"}
    )
    path = f"{REQUESTS}{request.json()['id']}/"
    stranger = client_for(StaffFactory())
    for command in ("approve/", "reject/", "cancel/"):
        assert stranger.post(f"{path}{command}").status_code == 404
    assert stranger.get(path).status_code == 404

    own = client_for(manager).post(REQUESTS, {"type": "UNPAID", "start_date": "2027-03-01", "end_date": "2027-03-01"})
    assert own.status_code == 201
    assert client_for(manager).post(f"{REQUESTS}{own.json()['id']}/approve/").status_code == 403
    assert client_for(employee).post(f"{path}approve/").status_code == 403


def test_cancelling_an_approved_future_request_writes_a_reversal(client_for, employee, manager, clock):
    me = client_for(employee)
    request_id = me.post(REQUESTS, {"type": "VACATION", "start_date": "2027-01-05", "end_date": "2027-01-07"}).json()[
        "id"
    ]
    client_for(manager).post(f"{REQUESTS}{request_id}/approve/")
    rows_before = list(LeaveLedgerEntry.objects.order_by("pk").values())

    cancelled = me.post(f"{REQUESTS}{request_id}/cancel/", {"note": "Plans changed"})

    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    ledger = me.get("/api/v1/leave/ledger/", {"year": 2027, "type": "VACATION"}).json()["results"]
    assert [(row["kind"], row["days"]) for row in ledger] == [("allocation", 25), ("taken", -2), ("reversal", 2)]
    assert list(LeaveLedgerEntry.objects.order_by("pk").values())[: len(rows_before)] == rows_before
    assert vacation_balance(me)["available"] == 25
    again = me.post(f"{REQUESTS}{request_id}/cancel/")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "not_cancellable")


def test_a_request_over_new_year_debits_each_year(client_for, employee, manager, clock):
    ledger_row(employee, days=20, year=2026)
    me = client_for(employee)
    request_id = me.post(REQUESTS, {"type": "VACATION", "start_date": "2026-12-28", "end_date": "2027-01-08"}).json()[
        "id"
    ]
    assert (vacation_balance(me, 2026)["pending"], vacation_balance(me, 2027)["pending"]) == (4, 4)
    client_for(manager).post(f"{REQUESTS}{request_id}/approve/")
    # 28-31 Dec: four days of 2026; 4-8 Jan minus Epiphany: four of 2027 (1 Jan is a holiday).
    assert (vacation_balance(me, 2026)["taken"], vacation_balance(me, 2027)["taken"]) == (4, 4)
    assert (vacation_balance(me, 2026)["available"], vacation_balance(me, 2027)["available"]) == (16, 21)


def test_changing_and_withdrawing_a_pending_request(client_for, employee, manager, clock):
    me = client_for(employee)
    request_id = me.post(REQUESTS, {"type": "VACATION", "start_date": "2027-03-01", "end_date": "2027-03-01"}).json()[
        "id"
    ]
    changed = me.patch(f"{REQUESTS}{request_id}/", {"end_date": "2027-03-03", "reason": "Longer"})
    assert (changed.status_code, changed.json()["days"], changed.json()["reason"]) == (200, 3, "Longer")
    assert client_for(manager).patch(f"{REQUESTS}{request_id}/", {"reason": "x"}).status_code == 403
    assert me.delete(f"{REQUESTS}{request_id}/").status_code == 204
    assert not LeaveRequest.objects.exists()


def test_a_rejection_needs_no_ledger_row_and_is_audited_once(client_for, employee, manager, clock):
    request_id = (
        client_for(employee)
        .post(REQUESTS, {"type": "VACATION", "start_date": "2027-03-01", "end_date": "2027-03-01"})
        .json()["id"]
    )
    rejected = client_for(manager).post(f"{REQUESTS}{request_id}/reject/", {"note": "Release week"})
    assert (rejected.json()["status"], rejected.json()["decision_note"]) == ("rejected", "Release week")
    assert AuditEvent.objects.filter(action=Action.LEAVE_REQUEST_REJECT, target_id=request_id).count() == 1
    assert not LeaveLedgerEntry.objects.filter(kind="taken").exists()


@pytest.mark.parametrize(
    ("who", "read", "approve"),
    [
        ("owner", 200, 403),
        ("other", 404, 404),
        ("manager", 200, 200),
        ("staff", 404, 404),
        ("admin", 200, 200),
        ("anonymous", 401, 401),
    ],
)
def test_permission_matrix_of_a_request(client_for, api_client, employee, manager, who, read, approve, clock):
    request = LeaveRequestFactory(user=employee, start_date=date(2027, 3, 1), end_date=date(2027, 3, 1))
    people = {
        "owner": employee,
        "other": UserFactory(),
        "manager": manager,
        "staff": StaffFactory(),
        "admin": AdminFactory(),
    }
    client = client_for(people[who]) if who in people else api_client
    path = f"{REQUESTS}{request.uuid}/"
    assert client.get(path).status_code == read
    assert client.post(f"{path}approve/").status_code == approve


def test_list_filters_and_scopes(client_for, employee, manager, admin_user):
    other_report = UserFactory(manager=manager)
    mine = LeaveRequestFactory(user=employee, status=RequestStatus.APPROVED, start_date=date(2027, 3, 1))
    theirs = LeaveRequestFactory(user=other_report, start_date=date(2027, 5, 3))
    stranger = LeaveRequestFactory(start_date=date(2027, 5, 4))

    def ids(client, **query):
        response = client.get(REQUESTS, query)
        assert response.status_code == 200, response.content
        return {r["id"] for r in response.json()["results"]}

    assert ids(client_for(employee)) == {str(mine.uuid)}
    assert ids(client_for(employee), team="true") == set()  # a USER sees nobody else's
    assert ids(client_for(manager), team="true") == {str(mine.uuid), str(theirs.uuid)}
    assert ids(client_for(manager), user=str(other_report.uuid)) == {str(theirs.uuid)}
    assert ids(client_for(manager), team="true", status="pending") == {str(theirs.uuid)}
    assert ids(client_for(manager), team="true", **{"from": "2027-04-01", "to": "2027-06-01"}) == {str(theirs.uuid)}
    assert ids(client_for(admin_user), team="true", type="vacation") == {str(r.uuid) for r in (mine, theirs, stranger)}
    assert client_for(manager).get(REQUESTS, {"team": "maybe"}).status_code == 400
    assert client_for(manager).get(REQUESTS, {"from": "2027-06-01", "to": "2027-04-01"}).status_code == 400


def test_types_are_read_by_everyone_and_written_by_admins(client_for, user, admin_user):
    listed = client_for(user).get("/api/v1/leave/types/").json()["results"]
    assert [t["code"] for t in listed] == ["SICK", "UNPAID", "VACATION"]
    vacation_row = next(t for t in listed if t["code"] == "VACATION")
    assert (vacation_row["annual_days"], vacation_row["accrual"], vacation_row["requires_approval"]) == (
        25,
        "yearly",
        True,
    )
    body = {"code": "study", "name": "Study leave", "annual_days": 5, "accrual": "monthly"}
    assert client_for(user).post("/api/v1/leave/types/", body).status_code == 403

    created = client_for(admin_user).post("/api/v1/leave/types/", body)
    assert created.status_code == 201 and created.json()["code"] == "STUDY"
    half = client_for(admin_user).post("/api/v1/leave/types/", {**body, "code": "X", "annual_days": 2.5})
    assert half.status_code == 201
    bad = client_for(admin_user).post("/api/v1/leave/types/", {**body, "code": "Y", "annual_days": 2.3})
    assert bad.status_code == 400
    deactivated = client_for(admin_user).patch(f"/api/v1/leave/types/{created.json()['id']}/", {"active": False})
    assert deactivated.json()["active"] is False
    assert "STUDY" not in [t["code"] for t in client_for(user).get("/api/v1/leave/types/").json()["results"]]
    assert "STUDY" in [
        t["code"] for t in client_for(admin_user).get("/api/v1/leave/types/", {"active": "false"}).json()["results"]
    ]
    refused = client_for(user).post(REQUESTS, {"type": "STUDY", "start_date": "2027-03-01", "end_date": "2027-03-01"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "leave_type_inactive")
    assert AuditEvent.objects.filter(action=Action.LEAVE_TYPE_CHANGE).count() == 3


def test_holidays_merge_public_and_company_ones_at_your_location(client_for, admin_user):
    bavarian = UserFactory(country="DE", subdivision="BY")
    HolidayFactory(date=date(2027, 1, 4), name="Inventory", country="DE")
    window = {"from": "2027-01-01", "to": "2027-01-08"}

    mine = client_for(bavarian).get("/api/v1/holidays/", window).json()["results"]
    assert [(h["date"], h["source"], h["name"]) for h in mine] == [
        ("2027-01-01", "public", "New Year's Day"),
        ("2027-01-04", "company", "Inventory"),
        ("2027-01-06", "public", "Epiphany"),
    ]
    berlin = client_for(bavarian).get("/api/v1/holidays/", {**window, "country": "DE", "subdivision": "BE"}).json()
    assert [h["name"] for h in berlin["results"]] == ["New Year's Day", "Inventory"]

    unknown_country = client_for(bavarian).get("/api/v1/holidays/", {**window, "country": "XX"})
    assert unknown_country.status_code == 400 and list(unknown_country.json()["error"]["fields"]) == ["country"]
    unknown_subdivision = client_for(bavarian).get(
        "/api/v1/holidays/", {**window, "country": "DE", "subdivision": "ZZ"}
    )
    assert unknown_subdivision.status_code == 400 and list(unknown_subdivision.json()["error"]["fields"]) == [
        "subdivision"
    ]
    assert client_for(bavarian).get("/api/v1/holidays/", {"from": "2027-01-08", "to": "2027-01-01"}).status_code == 400


def test_admins_manage_company_holidays(client_for, user, admin_user):
    body = {"date": "2027-12-24", "name": "Christmas Eve", "half_day": True, "country": "de"}
    assert client_for(user).post("/api/v1/holidays/", body).status_code == 403
    created = client_for(admin_user).post("/api/v1/holidays/", body)
    assert created.status_code == 201, created.content
    assert (created.json()["country"], created.json()["half_day"]) == ("DE", True)
    path = f"/api/v1/holidays/{created.json()['id']}/"
    assert client_for(admin_user).post("/api/v1/holidays/", body).status_code == 409
    bad = client_for(admin_user).patch(path, {"subdivision": "ZZ"})
    assert bad.status_code == 400 and list(bad.json()["error"]["fields"]) == ["subdivision"]
    assert client_for(admin_user).patch(path, {"name": "Heiligabend"}).json()["name"] == "Heiligabend"
    assert client_for(user).get(path).status_code == 200
    assert client_for(user).delete(path).status_code == 403
    assert client_for(admin_user).delete(path).status_code == 204
    assert AuditEvent.objects.filter(action=Action.HOLIDAY_CHANGE).count() == 3


def test_work_pattern_for_yourself_and_by_an_admin(client_for, user, other_user, admin_user, clock):
    me = client_for(user)
    default = me.get("/api/v1/work-pattern/").json()
    assert (default["valid_from"], default["monday"], default["saturday"], default["weekly_hours"]) == (None, 8, 0, 40)

    week = {"monday": 8, "tuesday": 8, "wednesday": 8, "thursday": 8, "friday": 0, "saturday": 0, "sunday": 0}
    saved = me.put("/api/v1/work-pattern/", {**week, "valid_from": "2027-01-01"})
    assert saved.status_code == 200 and saved.json()["weekly_hours"] == 32
    assert me.get("/api/v1/work-pattern/", {"date": "2027-02-01"}).json()["friday"] == 0
    assert me.get("/api/v1/work-pattern/").json()["valid_from"] is None  # not in effect yet
    assert not AuditEvent.objects.filter(action=Action.WORK_PATTERN_CHANGE).exists()  # your own

    assert me.get("/api/v1/work-pattern/", {"user": str(other_user.uuid)}).status_code == 404
    by_admin = client_for(admin_user).put(f"/api/v1/work-pattern/?user={other_user.uuid}", {**week, "friday": 6.5})
    assert by_admin.status_code == 200 and by_admin.json()["user"] == str(other_user.uuid)
    assert WorkPattern.objects.get(user=other_user).friday == Decimal("6.5")
    assert AuditEvent.objects.filter(action=Action.WORK_PATTERN_CHANGE).count() == 1
    assert me.put("/api/v1/work-pattern/", {**week, "monday": 25}).status_code == 400


def test_allocations_and_ledger(client_for, employee, manager, admin_user):
    body = {"user": str(employee.uuid), "type": "VACATION", "year": 2027, "days": 2.5, "note": "Long service"}
    assert client_for(manager).post("/api/v1/leave/allocations/", body).status_code == 403
    created = client_for(admin_user).post("/api/v1/leave/allocations/", body)
    assert created.status_code == 201
    assert (created.json()["kind"], created.json()["days"], created.json()["actor"]) == (
        "allocation",
        2.5,
        admin_user.email,
    )
    assert client_for(admin_user).post("/api/v1/leave/allocations/", {**body, "days": 0}).status_code == 400
    assert client_for(admin_user).post("/api/v1/leave/allocations/", {**body, "type": "NOPE"}).status_code == 400

    ledger = client_for(manager).get("/api/v1/leave/ledger/", {"user": str(employee.uuid), "year": 2027}).json()
    assert [row["days"] for row in ledger["results"]] == [25, 2.5]
    assert client_for(StaffFactory()).get("/api/v1/leave/ledger/", {"user": str(employee.uuid)}).status_code == 404
    assert vacation_balance(client_for(employee))["allocated"] == 27.5


def test_the_calendar_shows_who_is_off(client_for, employee, manager, admin_user):
    colleague = UserFactory(manager=manager, country="FR")
    outsider = UserFactory()
    LeaveRequestFactory(
        user=employee, start_date=date(2027, 1, 5), end_date=date(2027, 1, 7), status=RequestStatus.APPROVED
    )
    LeaveRequestFactory(user=colleague, start_date=date(2027, 1, 6), end_date=date(2027, 1, 6))
    LeaveRequestFactory(user=outsider, start_date=date(2027, 1, 6), end_date=date(2027, 1, 6))
    LeaveRequestFactory(
        user=outsider, start_date=date(2027, 1, 7), end_date=date(2027, 1, 7), status=RequestStatus.REJECTED
    )
    window = {"from": "2027-01-04", "to": "2027-01-11"}

    def who(client):
        body = client.get("/api/v1/leave/calendar/", window).json()
        return sorted((item["user_email"], item["status"]) for item in body["items"]), body["holidays"]

    mine, holidays = who(client_for(employee))
    assert mine == [(employee.email, "approved")]
    assert ("2027-01-06", "Epiphany", "DE") in [(h["date"], h["name"], h["country"]) for h in holidays]
    team, holidays = who(client_for(manager))
    assert team == sorted([(employee.email, "approved"), (colleague.email, "pending")])
    assert {h["country"] for h in holidays} == {"DE"}  # France has no public holiday that week
    everyone, _ = who(client_for(admin_user))
    assert len(everyone) == 3


def test_balances_cost_the_same_queries_whatever_the_ledger_holds(client_for, employee):
    client = client_for(employee)

    def count():
        # The leave queries only: whether the signed-in user comes from the cache is not leave's.
        with CaptureQueriesContext(connection) as queries:
            assert client.get(BALANCES, {"year": 2027}).status_code == 200
        return len([query for query in queries if "leave_" in query["sql"]])

    few = count()
    assert few == 3  # types, ledger sums, pending requests
    for _ in range(40):
        ledger_row(employee, days=0.5, kind="adjustment")
        ledger_row(employee, days=-0.5, kind="adjustment")
    LeaveRequestFactory.create_batch(3, user=employee)
    LeaveTypeFactory.create_batch(3)
    assert count() == few
    assert vacation_balance(client)["available"] == 22


def test_preview_lists_problems_and_clashes(client_for, employee, manager, clock):
    teammate = UserFactory(manager=manager)
    LeaveRequestFactory(user=teammate, start_date=date(2027, 3, 2), end_date=date(2027, 3, 2))
    own = LeaveRequestFactory(user=employee, start_date=date(2027, 3, 3), end_date=date(2027, 3, 3))
    response = client_for(employee).post(
        f"{REQUESTS}preview/", {"type": "VACATION", "start_date": "2027-03-01", "end_date": "2027-04-30"}
    )
    found = response.json()
    assert found["clashes"]["team_off"] == 1
    assert [r["id"] for r in found["clashes"]["own_requests"]] == [str(own.uuid)]
    assert {p["code"] for p in found["problems"]} == {"overlap", "insufficient_balance"}
    assert found["balance"][0]["sufficient"] is False
    weekend = client_for(employee).post(
        f"{REQUESTS}preview/", {"type": "VACATION", "start_date": "2027-03-06", "end_date": "2027-03-07"}
    )
    assert weekend.json()["days"] == 0 and weekend.json()["non_working_days"] == ["2027-03-06", "2027-03-07"]
    assert [p["code"] for p in weekend.json()["problems"]] == ["no_working_days"]


def test_preview_lists_what_other_apps_find_clashing(client_for, employee, clock):
    asked = []

    def clashes(requests):
        asked.extend((r.pk, r.user, r.status, r.start_date, r.end_half) for r in requests)
        start = datetime(2027, 3, 1, 9, tzinfo=UTC)
        item = {"kind": "appointment", "id": "a1", "message": "Check-up at 10:00"}
        return [[{**item, "start_utc": start, "end_utc": start + timedelta(hours=1)}] for _ in requests]

    body = {"type": "VACATION", "start_date": "2027-03-01", "end_date": "2027-03-02", "end_half": "morning"}
    with request_clashes.registered(clashes):
        response = client_for(employee).post(f"{REQUESTS}preview/", body)

    assert response.status_code == 200, response.content
    assert asked == [(None, employee, "pending", date(2027, 3, 1), "morning")]  # unsaved, as submitted
    assert response.json()["clashes"]["elsewhere"] == [
        {
            "kind": "appointment",
            "id": "a1",
            "start_utc": "2027-03-01T09:00:00Z",
            "end_utc": "2027-03-01T10:00:00Z",
            "message": "Check-up at 10:00",
        }
    ]
    assert not LeaveRequest.objects.exists()


def test_a_stranger_gets_404_on_every_route_of_someone_elses_request(client_for, employee):
    from config.tests.test_every_route import routes_naming

    request = LeaveRequestFactory(user=employee)
    stranger = client_for(UserFactory())
    routes = routes_naming("leave/requests")
    assert "/api/v1/leave/requests/{id}/approve/" in routes
    for route in routes:
        url = route.format(id=request.uuid)
        for method in ("get", "post", "put", "patch", "delete"):
            response = getattr(stranger, method)(url, {}, format="json")
            assert response.status_code in {404, 405}, (method, url, response.status_code)
