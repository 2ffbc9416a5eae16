import pytest

from accounts.models import Role, User
from accounts.tests.factories import PASSWORD, AdminFactory, StaffFactory, UserFactory
from accounts.tests.mail import verify_address
from audit.models import AuditEvent
from config.testing import matrix_people

pytestmark = pytest.mark.django_db


def detail(user):
    return f"/api/v1/users/{user.uuid}/"


def test_staff_sees_only_their_reports_and_themself(client_for, staff):
    reports = UserFactory.create_batch(2, manager=staff)
    UserFactory.create_batch(3)  # someone else's people

    response = client_for(staff).get("/api/v1/users/")

    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {str(u.uuid) for u in [*reports, staff]}


def test_staff_gets_404_for_someone_elses_report(client_for, staff):
    stranger = UserFactory(manager=StaffFactory())
    assert client_for(staff).get(detail(stranger)).status_code == 404


def test_admin_sees_everyone(client_for, admin_user):
    UserFactory.create_batch(3)
    response = client_for(admin_user).get("/api/v1/users/")
    assert response.json()["count"] == User.objects.count()


def test_user_list_follows_the_page_size(client_for, admin_user):
    manager = StaffFactory()
    UserFactory.create_batch(30, manager=manager)
    client = client_for(admin_user)
    small = client.get("/api/v1/users/?page_size=5")
    large = client.get("/api/v1/users/?page_size=40")
    assert len(small.json()["results"]) == 5
    assert len(large.json()["results"]) == 32


def test_user_list_filters_and_search(client_for, admin_user):
    staff = StaffFactory(display_name="Grace Hopper")
    UserFactory(manager=staff)
    client = client_for(admin_user)
    assert client.get("/api/v1/users/?role=STAFF").json()["count"] == 1
    assert client.get(f"/api/v1/users/?manager={staff.uuid}").json()["count"] == 1
    assert client.get("/api/v1/users/?search=hopper").json()["count"] == 1
    assert client.get("/api/v1/users/?role=KING").status_code == 400


@pytest.mark.parametrize(
    ("who", "list_status", "detail_status", "patch_status"),
    [
        ("anonymous", 401, 401, 401),
        ("user", 403, 403, 403),
        ("manager", 200, 200, 403),
        ("other_staff", 200, 404, 403),
        ("admin", 200, 200, 200),
    ],
)
def test_users_permission_matrix(api_client, client_for, who, list_status, detail_status, patch_status):
    people = matrix_people()
    target = people["owner"]
    people["user"] = target  # asking as the USER themself
    client = api_client if who == "anonymous" else client_for(people[who])
    assert client.get("/api/v1/users/").status_code == list_status
    assert client.get(detail(target)).status_code == detail_status
    assert client.patch(detail(target), {"display_name": "Renamed"}).status_code == patch_status


def test_admin_changes_role_and_flags_follow(client_for, admin_user):
    target = UserFactory()
    response = client_for(admin_user).patch(detail(target), {"role": "STAFF"})

    assert response.status_code == 200
    target.refresh_from_db()
    assert (target.role, target.is_staff, target.is_superuser) == (Role.STAFF, True, False)
    event = AuditEvent.objects.get(action="user.role_change")
    assert event.changes == {"role": ["USER", "STAFF"]}
    assert event.actor == admin_user


def test_user_cannot_raise_their_own_role_through_any_endpoint(client_for, user):
    client = client_for(user)
    payload = {"role": "ADMIN", "is_staff": True, "is_superuser": True, "display_name": "Me"}

    for path in ("/api/v1/auth/me/", "/api/v1/users/me/"):
        # Fields a user may not set are not silently dropped: the whole request is refused.
        refused = client.patch(path, payload)
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "unknown_field"
        assert set(refused.json()["error"]["fields"]) == {"role", "is_staff", "is_superuser"}
    assert client.patch(detail(user), payload).status_code == 403
    assert client.put("/api/v1/settings/", payload).status_code == 400
    assert client.patch("/api/v1/auth/me/", {"display_name": "Me"}).status_code == 200

    user.refresh_from_db()
    assert (user.role, user.is_staff, user.is_superuser) == (Role.USER, False, False)
    assert user.display_name == "Me"
    assert not AuditEvent.objects.filter(action="user.role_change").exists()


def test_staff_cannot_promote_anyone(client_for, staff):
    report = UserFactory(manager=staff)
    assert client_for(staff).patch(detail(report), {"role": "ADMIN"}).status_code == 403
    report.refresh_from_db()
    assert report.role == Role.USER


def test_last_admin_cannot_be_demoted_or_deactivated(client_for, admin_user):
    client = client_for(admin_user)
    assert client.patch(detail(admin_user), {"role": "USER"}).json()["error"]["code"] == "last_admin"
    assert client.patch(detail(admin_user), {"is_active": False}).status_code == 409
    AdminFactory()
    assert client.patch(detail(admin_user), {"role": "STAFF"}).status_code == 200


def test_manager_must_be_staff_and_not_self(client_for, admin_user):
    target = UserFactory()
    client = client_for(admin_user)
    plain = UserFactory()
    assert client.patch(detail(target), {"manager": str(plain.uuid)}).status_code == 400
    assert client.patch(detail(target), {"manager": str(target.uuid)}).status_code == 400
    assert client.patch(detail(target), {"manager": "00000000-0000-0000-0000-000000000000"}).status_code == 400
    staff = StaffFactory()
    assert client.patch(detail(target), {"manager": str(staff.uuid)}).json()["manager"] == str(staff.uuid)
    assert client.patch(detail(target), {"manager": None}).json()["manager"] is None


def test_deactivating_a_user_ends_their_sessions(client_for, admin_user):
    target = UserFactory()
    target_client = client_for(target)
    assert client_for(admin_user).patch(detail(target), {"is_active": False}).status_code == 200
    assert target_client.get("/api/v1/auth/me/").status_code == 401


def test_user_detail_with_a_malformed_id_is_404(client_for, admin_user):
    assert client_for(admin_user).get("/api/v1/users/not-a-uuid/").status_code == 404


def test_me_email_change_needs_current_password(client_for, user, django_capture_on_commit_callbacks):
    client = client_for(user)
    missing = client.patch("/api/v1/auth/me/", {"email": "new@example.com"})
    assert missing.status_code == 400
    assert "current_password" in missing.json()["error"]["fields"]
    wrong = client.patch("/api/v1/auth/me/", {"email": "new@example.com", "current_password": "nope"})
    assert wrong.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        ok = client.patch("/api/v1/auth/me/", {"email": "New@Example.com", "current_password": PASSWORD})
    # The new address takes effect once the link sent to it is used.
    assert ok.json()["user"]["pending_email"] == "new@example.com"
    verify_address("new@example.com")
    assert client.get("/api/v1/auth/me/").json()["email"] == "new@example.com"
    assert AuditEvent.objects.filter(action="user.email_change", actor=user).exists()


def test_me_email_change_to_a_taken_address_is_409(client_for, user, other_user):
    response = client_for(user).patch("/api/v1/auth/me/", {"email": other_user.email, "current_password": PASSWORD})
    assert response.status_code == 409


def test_password_change_validates_revokes_and_returns_new_tokens(client_for, user):
    old_client = client_for(user)
    weak = old_client.patch("/api/v1/auth/me/", {"new_password": "123", "current_password": PASSWORD})
    assert weak.status_code == 400
    assert "new_password" in weak.json()["error"]["fields"]

    response = old_client.patch("/api/v1/auth/me/", {"new_password": "Brand-new-pass-77", "current_password": PASSWORD})

    assert response.status_code == 200
    tokens = response.json()["tokens"]
    assert response.cookies["access_token"].value == tokens["access_token"]
    assert old_client.get("/api/v1/auth/me/").status_code == 401
    fresh = client_for(user)
    fresh.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert fresh.get("/api/v1/auth/me/").status_code == 200
    user.refresh_from_db()
    assert user.check_password("Brand-new-pass-77")
    assert AuditEvent.objects.filter(action="user.password_change").exists()


def test_me_profile_fields_are_validated(client_for, user):
    client = client_for(user)
    assert client.patch("/api/v1/auth/me/", {"timezone": "Nowhere/Land"}).status_code == 400
    assert client.patch("/api/v1/auth/me/", {"country": "US", "subdivision": "XX"}).status_code == 400
    ok = client.patch("/api/v1/me/", {"timezone": "America/Chicago", "country": "US", "subdivision": "IL"})
    assert ok.status_code == 200
    assert ok.json()["user"]["timezone"] == "America/Chicago"


def test_password_is_accepted_as_the_name_of_the_new_password(client_for, user):
    response = client_for(user).patch(
        "/api/v1/auth/me/", {"password": "Other-new-pass-55", "current_password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.json()["tokens"]["access_token"]
    user.refresh_from_db()
    assert user.check_password("Other-new-pass-55")
