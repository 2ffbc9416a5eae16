"""Accounts made by an ADMIN in one import (accounts.services.users.users_import_by_admin): all
or none, each as user_create_by_admin makes one, every bad row named."""

import pytest

from accounts.models import Role, User, UserSettings
from accounts.services.users import IMPORT_MAX_PROBLEMS, IMPORT_MAX_ROWS, NewUser, users_import_by_admin
from accounts.tests.factories import StaffFactory, UserFactory
from audit.models import Action, AuditEvent
from config.errors import PermissionDenied, ValidationFailed
from outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db
GOOD = "a-Long-pass-91"


def test_an_import_creates_each_account_as_an_admin_creates_one(admin_user):
    rows = [
        NewUser(email="Ann@Example.com", password=GOOD, display_name="Ann"),
        NewUser(email="bob@example.com", password=GOOD, role=Role.ADMIN),
        NewUser(email="cy@example.com", password=GOOD, is_active=False),
    ]

    created = users_import_by_admin(actor=admin_user, rows=rows)

    assert [user.email for user in created] == ["ann@example.com", "bob@example.com", "cy@example.com"]
    assert [(user.role, user.is_active) for user in created] == [
        (Role.USER, True),
        (Role.ADMIN, True),
        (Role.USER, False),
    ]
    assert created[1].is_superuser and created[0].check_password(GOOD)
    assert UserSettings.objects.filter(user__in=created).count() == 3
    events = AuditEvent.objects.filter(action=Action.USER_CREATE, actor=admin_user).order_by("id")
    assert [event.changes for event in events] == [
        {"role": "USER"},
        {"role": "ADMIN"},
        {"role": "USER", "is_active": False},
    ]
    assert OutboxMessage.objects.filter(task_name="accounts.tasks.send_email_verification_task").count() == 3


def test_any_bad_row_creates_nothing_and_each_is_named(admin_user):
    taken = UserFactory(email="taken@example.com")
    rows = [
        NewUser(email="ok@example.com", password=GOOD, row=2),
        NewUser(email="weak@example.com", password="123", row=3),
        NewUser(email=taken.email, password=GOOD, row=4),
        NewUser(email="OK@example.com", password=GOOD, row=5),
        NewUser(email="role@example.com", password=GOOD, role="boss", row=6),
    ]

    with pytest.raises(ValidationFailed) as refused:
        users_import_by_admin(actor=admin_user, rows=rows)

    message = refused.value.message
    assert refused.value.code == "import_invalid" and refused.value.status == 400
    assert message.startswith("Nothing was imported.")
    assert "Row 2" not in message
    assert "Row 3: This password is too short" in message
    assert "Row 4: An account with this email already exists." in message
    assert "Row 5: ok@example.com is also on row 2." in message
    assert "Row 6: Not a role: 'boss'." in message
    assert list(User.objects.values_list("email", flat=True)) == sorted([admin_user.email, taken.email])
    assert not AuditEvent.objects.filter(action=Action.USER_CREATE).exists()
    assert not OutboxMessage.objects.exists()


def test_rows_are_numbered_by_position_unless_the_caller_names_them(admin_user):
    with pytest.raises(ValidationFailed, match="Row 2: "):
        users_import_by_admin(
            actor=admin_user, rows=[NewUser(email="a@example.com", password=GOOD), NewUser("b@example.com", "1")]
        )


def test_a_refusal_names_at_most_a_bounded_number_of_rows(admin_user):
    rows = [NewUser(email=f"u{n}@example.com", password="short") for n in range(IMPORT_MAX_PROBLEMS + 5)]

    with pytest.raises(ValidationFailed) as refused:
        users_import_by_admin(actor=admin_user, rows=rows)

    assert len(refused.value.fields["rows"]) == IMPORT_MAX_PROBLEMS + 1
    assert refused.value.fields["rows"][-1] == "... and 5 more rows."


def test_an_import_is_bounded_and_not_empty(admin_user):
    too_many = [NewUser(email=f"u{n}@example.com", password=GOOD) for n in range(IMPORT_MAX_ROWS + 1)]

    with pytest.raises(ValidationFailed) as refused:
        users_import_by_admin(actor=admin_user, rows=too_many)
    assert refused.value.code == "import_too_large"
    with pytest.raises(ValidationFailed) as empty:
        users_import_by_admin(actor=admin_user, rows=[])
    assert empty.value.code == "import_empty"
    assert User.objects.count() == 1


@pytest.mark.parametrize("factory", [UserFactory, StaffFactory])
def test_only_an_admin_imports(factory):
    with pytest.raises(PermissionDenied):
        users_import_by_admin(actor=factory(), rows=[NewUser(email="x@example.com", password=GOOD)])
    assert not User.objects.filter(email="x@example.com").exists()
