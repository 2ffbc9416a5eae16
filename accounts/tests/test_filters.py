"""Boolean query parameters of the accounts lists: true/false (or 1/0), anything else is a 400
naming the parameter instead of being ignored."""

import pytest

from accounts.tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


def assert_bad_parameter(response, name):
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["fields"] == {name: ["Use true or false."]}


def test_unread_with_a_bad_value_is_400(client_for, user):
    NotificationFactory(user=user)
    assert_bad_parameter(client_for(user).get("/api/v1/notifications/?unread=maybe"), "unread")


def test_unread_takes_true_false_one_and_zero(client_for, user):
    NotificationFactory(user=user)
    client = client_for(user)
    for value, count in (("true", 1), ("1", 1), ("false", 0), ("0", 0)):
        assert client.get(f"/api/v1/notifications/?unread={value}").json()["count"] == count, value


def test_is_active_with_a_bad_value_is_400(client_for, admin_user):
    UserFactory(is_active=False)
    assert_bad_parameter(client_for(admin_user).get("/api/v1/users/?is_active=maybe"), "is_active")


def test_is_active_filters_with_true_and_false(client_for, admin_user):
    inactive = UserFactory(is_active=False)
    client = client_for(admin_user)
    ids = [row["id"] for row in client.get("/api/v1/users/?is_active=false").json()["results"]]
    assert ids == [str(inactive.uuid)]
    active = [row["id"] for row in client.get("/api/v1/users/?is_active=true").json()["results"]]
    assert str(inactive.uuid) not in active and str(admin_user.uuid) in active
