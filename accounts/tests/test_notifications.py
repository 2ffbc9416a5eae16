import pytest
from django.core import mail

from accounts.models import Notification, UserSettings
from accounts.services.notifications import notification_send, notification_send_many
from accounts.tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


def test_inbox_lists_own_notifications_newest_first(client_for, user, other_user):
    NotificationFactory(user=other_user)
    first = notification_send(user=user, kind="a.b", message="first")
    second = notification_send(user=user, kind="a.b", message="second")

    body = client_for(user).get(URL).json()

    assert [row["id"] for row in body["results"]] == [str(second.uuid), str(first.uuid)]
    assert body["results"][0]["is_read"] is False


def test_unread_filter_read_and_read_all(client_for, user):
    client = client_for(user)
    a, b, c = NotificationFactory.create_batch(3, user=user)

    read = client.post(f"{URL}{a.uuid}/read/")
    assert read.status_code == 200
    assert read.json()["read_at"].endswith("Z")
    # Reading twice keeps the first time.
    assert client.post(f"{URL}{a.uuid}/read/").json()["read_at"] == read.json()["read_at"]
    assert client.get(f"{URL}?unread=true").json()["count"] == 2
    assert client.get(f"{URL}?unread=false").json()["count"] == 1
    assert client.post(f"{URL}read-all/").json() == {"updated": 2}
    assert client.get(f"{URL}?unread=true").json()["count"] == 0


def test_someone_elses_notification_is_404(client_for, user, other_user):
    theirs = NotificationFactory(user=other_user)
    assert client_for(user).post(f"{URL}{theirs.uuid}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_muted_kinds_are_not_delivered(user):
    UserSettings.objects.create(user=user, notification_preferences={"email": False, "muted_kinds": ["noisy"]})
    assert notification_send(user=user, kind="noisy", message="hush") is None
    assert notification_send(user=user, kind="useful", message="hello") is not None
    assert list(Notification.objects.values_list("kind", flat=True)) == ["useful"]


def test_email_is_sent_after_commit_to_those_who_want_it(django_capture_on_commit_callbacks):
    wants = UserFactory()
    UserSettings.objects.create(user=wants, notification_preferences={"email": True, "muted_kinds": []})
    silent = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        notification_send_many(users=[wants, silent], kind="group.archived", message="Your group was archived")

    assert [m.to for m in mail.outbox] == [[wants.email]]
    assert Notification.objects.count() == 2


def test_bad_page_size_is_400(client_for, user):
    client = client_for(user)
    for value in ("0", "-1", "abc", "100000"):
        response = client.get(f"{URL}?page_size={value}")
        assert response.status_code == 400, value
        assert "page_size" in response.json()["error"]["fields"]
    assert client.get(f"{URL}?page=99").status_code == 404
