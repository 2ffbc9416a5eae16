"""Time Tracker's React app against /compat/timetracker/, with RTK Query's calls: form login,
the profile, starting and stopping tracking, the entries table, a leave request through to the
leave app, the dashboard from the analytics app, the admin pages' lists and the user import."""

from datetime import date
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.models import Role, User
from accounts.tests.factories import PASSWORD, AdminFactory, StaffFactory, UserFactory
from audit.models import Action, AuditEvent
from leave.models import LeaveRequest, RequestStatus
from leave.tests.factories import WorkPatternFactory, ledger_row
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db
BASE = "/compat/timetracker/api/v1"


def z(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def login(user) -> APIClient:
    response = APIClient().post(
        f"{BASE}/auth/login",
        urlencode({"username": user.email, "password": PASSWORD}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["token_type"], bool(body["refresh_token"])) == ("bearer", True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    client.refresh_token = body["refresh_token"]
    return client


def test_form_login_profile_and_refresh():
    user = UserFactory(display_name="Grace Hopper")
    client = login(user)

    me = client.get(f"{BASE}/users/me")
    assert me.status_code == 200
    assert (me.json()["email"], me.json()["full_name"], me.json()["role"]) == (user.email, "Grace Hopper", "normal")

    refreshed = APIClient().post(f"{BASE}/auth/refresh", {"refresh_token": client.refresh_token}, format="json")
    assert refreshed.status_code == 200
    assert set(refreshed.json()) == {"access_token", "token_type", "refresh_token"}
    # RefreshTokenHandler decodes the access token's `exp` itself: it is a JWT.
    import base64
    import json

    payload = refreshed.json()["access_token"].split(".")[1]
    assert json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"] > 0

    wrong = APIClient().post(
        f"{BASE}/auth/login",
        urlencode({"username": user.email, "password": "x"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert (wrong.status_code, wrong.json()) == (401, {"detail": "Incorrect email or password"})
    assert login(AdminFactory()).get(f"{BASE}/users/me").json()["role"] == "admin"
    assert login(StaffFactory()).get(f"{BASE}/users/me").json()["role"] == "normal"


def test_start_stop_tracking_and_the_entries_table(clock):
    user = UserFactory(timezone="Europe/Berlin")
    client = login(user)

    started = client.post(
        f"{BASE}/time-entries",
        {"start_time": z(clock.now), "is_manual_entry": False, "description": None},
        format="json",
    )
    assert started.status_code == 200, started.content
    entry_id = started.json()["id"]
    assert started.json()["end_time"] is None
    # One running timer at a time in Timekeep (the TopBar toggle's second start).
    second = client.post(f"{BASE}/time-entries", {"start_time": z(clock.now), "is_manual_entry": False}, format="json")
    assert second.status_code == 409
    assert isinstance(second.json()["detail"], str)

    clock.advance(hours=2)
    stopped = client.patch(
        f"{BASE}/time-entries/{entry_id}", {"end_time": z(clock.now), "description": "Ticket 42"}, format="json"
    )
    assert stopped.status_code == 200
    assert (stopped.json()["end_time"], stopped.json()["description"]) == ("2025-09-15T11:00:00Z", "Ticket 42")

    # The dialog: a manual entry yesterday.
    manual = client.post(
        f"{BASE}/time-entries",
        {
            "start_time": "2025-09-14T08:00:00.000Z",
            "end_time": "2025-09-14T09:30:00.000Z",
            "description": "Review",
            "is_manual_entry": True,
        },
        format="json",
    )
    assert manual.status_code == 200
    bad = client.post(
        f"{BASE}/time-entries",
        {"start_time": "2025-09-14T10:00:00.000Z", "end_time": "2025-09-14T09:00:00.000Z"},
        format="json",
    )
    assert bad.status_code == 422

    # The table: last 7 days .. today (end_date inclusive), a plain array, oldest first.
    table = client.get(f"{BASE}/time-entries?skip=0&limit=100&start_date=2025-09-08&end_date=2025-09-15")
    assert table.status_code == 200
    rows = table.json()
    assert [row["description"] for row in rows] == ["Review", "Ticket 42"]
    assert {"id", "start_time", "end_time", "description", "is_manual_entry", "is_approved"} <= set(rows[0])
    assert client.get(f"{BASE}/time-entries?start_date=2025-09-16&end_date=2025-09-20").json() == []

    deleted = client.delete(f"{BASE}/time-entries/{manual.json()['id']}")
    assert (deleted.status_code, deleted.json()["id"]) == (200, manual.json()["id"])
    assert TimeEntry.objects.filter(user=user).count() == 1


def test_leave_request_lifecycle_on_the_leave_app(clock):
    user = UserFactory(manager=StaffFactory())
    ledger_row(user, days=25, year=2025)
    client = login(user)

    one_day = client.post(
        f"{BASE}/leave-requests",
        {"leave_type": "vacation", "start_date": "2025-09-22", "end_date": "2025-09-22", "reason": None},
        format="json",
    )
    assert one_day.status_code == 200, one_day.content
    assert (one_day.json()["status"], one_day.json()["leave_type"]) == ("pending", "vacation")
    created = LeaveRequest.objects.get(uuid=one_day.json()["id"])
    assert (created.leave_type.code, created.days) == ("VACATION", 1)

    overlap = client.post(
        f"{BASE}/leave-requests",
        {"leave_type": "vacation", "start_date": "2025-09-22", "end_date": "2025-09-23", "reason": "x"},
        format="json",
    )
    assert (overlap.status_code, overlap.json()) == (
        400,
        {"detail": "You already have a leave request for this period"},
    )

    changed = client.patch(
        f"{BASE}/leave-requests/{one_day.json()['id']}",
        {"leave_type": "vacation", "start_date": "2025-09-22", "end_date": "2025-09-23", "reason": "Trip"},
        format="json",
    )
    assert (changed.status_code, changed.json()["end_date"], changed.json()["reason"]) == (200, "2025-09-23", "Trip")
    sick = client.post(
        f"{BASE}/leave-requests",
        {"leave_type": "sick_leave", "start_date": "2025-09-15", "end_date": "2025-09-15"},
        format="json",
    )
    assert sick.json()["status"] == "approved"  # SICK needs no approval

    listed = client.get(f"{BASE}/leave-requests?skip=0&limit=100")
    assert [row["leave_type"] for row in listed.json()] == ["sick_leave", "vacation"]
    assert [row["id"] for row in client.get(f"{BASE}/leave-requests?status=pending").json()] == [one_day.json()["id"]]

    # The admin page's pending list, then a decision; withdrawal of a pending one.
    admin = login(AdminFactory())
    pending = admin.get(f"{BASE}/admin/leave-requests/pending")
    assert [(row["id"], row["user_email"]) for row in pending.json()] == [(one_day.json()["id"], user.email)]
    assert client.get(f"{BASE}/admin/leave-requests/pending").status_code == 403
    approved = admin.post(f"{BASE}/leave-requests/{one_day.json()['id']}/action", {"status": "approved"}, format="json")
    assert (approved.status_code, approved.json()["status"]) == (200, "approved")
    assert (
        client.post(
            f"{BASE}/leave-requests/{one_day.json()['id']}/action", {"status": "approved"}, format="json"
        ).status_code
        == 403
    )

    # DELETE: an approved request not yet started is cancelled; a pending one is withdrawn.
    cancelled = client.delete(f"{BASE}/leave-requests/{one_day.json()['id']}")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "canceled")
    assert LeaveRequest.objects.get(uuid=one_day.json()["id"]).status == RequestStatus.CANCELLED
    later = client.post(
        f"{BASE}/leave-requests",
        {"leave_type": "vacation", "start_date": "2025-10-06", "end_date": "2025-10-07"},
        format="json",
    )
    withdrawn = client.delete(f"{BASE}/leave-requests/{later.json()['id']}")
    assert (withdrawn.status_code, withdrawn.json()["status"]) == (200, "canceled")
    assert not LeaveRequest.objects.filter(uuid=later.json()["id"]).exists()


def test_dashboard_comes_from_the_time_account_and_leave_balances(clock):
    user = UserFactory(timezone="UTC")
    WorkPatternFactory(user=user, valid_from=date(2025, 1, 1))
    client = login(user)
    worked = {"start_time": "2025-09-12T06:00:00.000Z", "end_time": "2025-09-12T16:00:00.000Z"}
    assert client.post(f"{BASE}/time-entries", worked, format="json").status_code == 200

    board = client.get(f"{BASE}/analytics/dashboard?start_date=2025-09-01&end_date=2025-09-30")

    assert board.status_code == 200, board.content
    body = board.json()
    assert body["time_balance"]["total_hours"] == 10
    assert body["time_balance"]["daily_hours"] == {"2025-09-12": 10}
    assert body["time_balance"]["total_days"] == 1
    # 10 h worked against the 8 h the work pattern expects that Friday.
    assert body["time_balance"]["overtime_hours"] == 2
    assert set(body["leave_balance"]) == {"vacation", "sick_leave", "special_permit"}
    assert body["period"] == {"start_date": "2025-09-01", "end_date": "2025-09-30"}
    assert client.get(f"{BASE}/analytics/dashboard").status_code == 200  # the Leave page: no query


def test_admin_pages_list_and_change_users(clock):
    admin = login(AdminFactory())
    worker = UserFactory(display_name="W")

    users = admin.get(f"{BASE}/admin/users?skip=0&limit=100")
    assert users.status_code == 200
    assert {"id", "email", "full_name", "role", "is_active"} <= set(users.json()[0])
    created = admin.post(
        f"{BASE}/admin/users",
        {
            "email": "new@example.com",
            "full_name": "New Person",
            "role": "normal",
            "is_active": True,
            "password": "a-Long-pass-91",
        },
        format="json",
    )
    assert (created.status_code, created.json()["role"]) == (200, "normal")
    changed = admin.patch(
        f"{BASE}/admin/users/{worker.uuid}", {"full_name": "Worker", "role": "admin", "is_active": True}, format="json"
    )
    assert (changed.json()["full_name"], changed.json()["role"]) == ("Worker", "admin")
    refused = admin.patch(f"{BASE}/admin/users/{worker.uuid}", {"password": "something-new-1"}, format="json")
    assert refused.status_code == 400
    compliance = admin.get(f"{BASE}/analytics/admin/compliance/working-time")
    assert compliance.status_code == 200
    assert {"overall_compliance", "results"} <= set(compliance.json())
    assert login(UserFactory()).get(f"{BASE}/admin/users").status_code == 403


def test_paths_without_trailing_slash_and_unknown_ones():
    client = login(UserFactory())

    assert client.get(f"{BASE}/time-entries").status_code == 200
    assert client.get(f"{BASE}/time-entries/").status_code == 200
    assert client.post(f"{BASE}/time-entries/some-id/approve").status_code == 404


def test_cors_preflight_with_authorization_from_the_apps_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://tracker.example.com"]

    preflight = APIClient().options(
        f"{BASE}/time-entries",
        HTTP_ORIGIN="https://tracker.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization,content-type",
    )

    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "https://tracker.example.com"
    assert "authorization" in preflight["Access-Control-Allow-Headers"].lower()


HEADER = "email,password,full_name,role,is_active\n"


def upload(client, text, name="users.csv"):
    """UserManagement's import: multipart with one field `file`."""
    content = text.encode() if isinstance(text, str) else text
    return client.post(
        f"{BASE}/admin/users/bulk-import", {"file": SimpleUploadedFile(name, content)}, format="multipart"
    )


def test_the_csv_import_creates_the_users_and_answers_them_as_the_list_does():
    admin = login(AdminFactory())
    csv = HEADER + (
        "ann@example.com,a-Long-pass-91,Ann Lee,normal,true\n"
        "Bob@Example.com,a-Long-pass-92,Bob,admin,\n"
        "cy@example.com,a-Long-pass-93,,,false\n"
    )

    response = upload(admin, "\ufeff" + csv)  # as a spreadsheet saves it, with a byte-order mark

    assert response.status_code == 200, response.content
    body = response.json()
    assert [(u["email"], u["full_name"], u["role"], u["is_active"]) for u in body] == [
        ("ann@example.com", "Ann Lee", "normal", True),
        ("bob@example.com", "Bob", "admin", True),
        ("cy@example.com", "", "normal", False),
    ]
    listed = {u["id"]: u for u in admin.get(f"{BASE}/admin/users?skip=0&limit=100").json()}
    assert all(listed[u["id"]] == u for u in body)
    assert User.objects.get(email="bob@example.com").role == Role.ADMIN
    assert AuditEvent.objects.filter(action=Action.USER_CREATE).count() == 3
    signed_in = APIClient().post(
        f"{BASE}/auth/login",
        urlencode({"username": "ann@example.com", "password": "a-Long-pass-91"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert signed_in.status_code == 200  # the password of the file


def test_a_bad_row_creates_nothing_and_the_answer_names_it():
    admin = login(AdminFactory())
    taken = UserFactory()
    rows = [
        "ok@example.com,a-Long-pass-91,Ok,normal,true",
        "weak@example.com,123,Weak,normal,true",
        f"{taken.email},a-Long-pass-91,Taken,normal,true",
    ]

    refused = upload(admin, HEADER + "\n".join(rows) + "\n")

    assert refused.status_code == 400
    detail = refused.json()["detail"]
    assert isinstance(detail, str)
    assert "Row 3: This password is too short" in detail and "Row 4: An account with this email" in detail
    assert not User.objects.filter(email="ok@example.com").exists()

    malformed = upload(admin, HEADER + "ok@example.com,a-Long-pass-91,Ok,boss,true\nnot-an-address,x,,,\n")
    assert malformed.status_code == 400
    assert "Row 2: role:" in malformed.json()["detail"] and "Row 3: email:" in malformed.json()["detail"]
    assert not User.objects.filter(email="ok@example.com").exists()


@pytest.mark.parametrize(
    ("name", "content", "status", "fragment"),
    [
        ("users.xlsx", b"PK\x03\x04", 501, "Excel"),
        ("users.xls", b"\xd0\xcf", 501, "Excel"),
        ("users.txt", HEADER, 400, "Unsupported file format"),
        ("users.csv", "name,mail\nx,y\n", 400, "email and password missing"),
        ("users.csv", HEADER, 400, "no accounts"),
        ("users.csv", b"email,password\n\xff\xfe,x\n", 400, "UTF-8"),
    ],
)
def test_files_the_import_cannot_read(name, content, status, fragment):
    response = upload(login(AdminFactory()), content, name)

    assert response.status_code == status
    assert fragment in response.json()["detail"]


def test_the_import_is_bounded_in_rows_and_bytes():
    admin = login(AdminFactory())
    many = HEADER + "".join(f"u{n}@example.com,a-Long-pass-91,,,\n" for n in range(101))

    too_many = upload(admin, many)
    assert too_many.status_code == 400
    assert "At most 100 accounts" in too_many.json()["detail"]
    too_big = upload(admin, HEADER + "x" * (1024 * 1024))
    assert too_big.status_code == 413
    assert User.objects.count() == 1


def test_only_an_admin_imports_and_sees_pending_entries():
    for person in (UserFactory(), StaffFactory()):
        client = login(person)
        refused = upload(client, HEADER + "x@example.com,a-Long-pass-91,,,\n")
        assert refused.status_code == 403
        assert isinstance(refused.json()["detail"], str)
        assert client.get(f"{BASE}/admin/time-entries/pending?skip=0&limit=100").status_code == 403
    assert not User.objects.filter(email="x@example.com").exists()


def test_no_time_entry_is_ever_pending_as_every_entry_reads_approved(clock):
    user = UserFactory()
    client = login(user)
    start = clock.set(2025, 9, 8, 9, 0)
    client.post(f"{BASE}/time-entries", {"start_time": z(start), "end_time": z(start.replace(hour=10))}, format="json")
    assert all(entry["is_approved"] for entry in client.get(f"{BASE}/time-entries").json())

    admin = login(AdminFactory())
    pending = admin.get(f"{BASE}/admin/time-entries/pending?skip=0&limit=100")

    assert (pending.status_code, pending.json()) == (200, [])
    assert admin.get(f"{BASE}/admin/time-entries/pending/").json() == []
    assert admin.get(f"{BASE}/admin/time-entries/pending?limit=0").status_code == 422
