"""Shared reports over HTTP: a tokenized, expiring, revocable read-only link to a summary."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AdminFactory
from analytics.models import ReportShare
from audit.models import Action, AuditEvent

pytestmark = pytest.mark.django_db

SHARES = reverse("analytics:report-share-list")
SUMMARY = reverse("analytics:report-summary")
OCTOBER = {"from": "2025-10-20T00:00:00+02:00", "to": "2025-11-03T00:00:00+01:00"}


def share(client, **data):
    response = client.post(SHARES, {**OCTOBER, "group": "project", "sub_group": "day", **data})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_shared_link_shows_the_summary_to_anyone_without_signing_in(
    client_for, api_client, berlin_user, berlin_entries
):
    client = client_for(berlin_user)
    made = share(client, title="October for the client", rounding="up", rounding_minutes=15)
    assert made["url"].startswith("http://testserver/api/v1/reports/shared/")
    assert made["revoked_at"] is None
    opened = api_client.get(made["url"])
    assert opened.status_code == 200
    body = opened.json()
    own = client.get(SUMMARY, {**OCTOBER, "group": "project", "sub_group": "day", "rounding": "up"}).json()
    assert body["groups"] == own["groups"] and body["seconds"] == own["seconds"] == 225 * 60
    assert body["title"] == "October for the client" and body["shared_by"] == "Berta Berlin"
    assert body["timezone"] == "Europe/Berlin" and body["group_by"] == ["project", "day"]
    assert AuditEvent.objects.filter(action=Action.REPORT_SHARE_CREATE, actor=berlin_user).count() == 1


def test_revoked_and_expired_links_are_404(client_for, api_client, berlin_user, berlin_entries):
    client = client_for(berlin_user)
    made = share(client)
    revoked = client.post(reverse("analytics:report-share-revoke", kwargs={"id": made["id"]}))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert api_client.get(made["url"]).status_code == 404
    client.post(reverse("analytics:report-share-revoke", kwargs={"id": made["id"]}))
    assert AuditEvent.objects.filter(action=Action.REPORT_SHARE_REVOKE).count() == 1  # once
    later = share(client, expires_at=(timezone.now() + timedelta(hours=1)).isoformat())
    ReportShare.objects.filter(uuid=later["id"]).update(
        created_at=timezone.now() - timedelta(hours=2), expires_at=timezone.now() - timedelta(seconds=1)
    )
    gone = api_client.get(later["url"])
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
    assert api_client.get("/api/v1/reports/shared/" + "y" * 43 + "/").status_code == 404


def test_the_expiry_must_be_in_the_future_and_within_the_limit(client_for, user, settings):
    settings.REPORT_SHARE_MAX_DAYS = 30
    client = client_for(user)
    for when in (timezone.now() - timedelta(minutes=1), timezone.now() + timedelta(days=31)):
        response = client.post(SHARES, {**OCTOBER, "expires_at": when.isoformat()})
        assert response.status_code == 400
        assert "expires_at" in response.json()["error"]["fields"]
    default = share(client)
    lasts = datetime.fromisoformat(default["expires_at"]) - timezone.now()
    assert timedelta(days=6) < lasts <= timedelta(days=7)


def test_sharing_someone_outside_your_scope_is_refused(client_for, team):
    response = client_for(team["manager"]).post(SHARES, {**OCTOBER, "users": str(team["outsider"].uuid)})
    assert response.status_code == 404
    assert not ReportShare.objects.exists()


def test_a_link_shows_what_its_owner_may_see_now(client_for, api_client, team):
    from analytics.tests.test_reports_api import _work

    manager, (ada, _) = team["manager"], team["reports"]
    _work(ada, hours=2)
    made = share(client_for(manager), group="user")
    assert api_client.get(made["url"]).json()["seconds"] == 2 * 3600
    ada.manager = None
    ada.save(update_fields=["manager"])
    assert api_client.get(made["url"]).json()["seconds"] == 0
    manager.is_active = False
    manager.save(update_fields=["is_active"])
    assert api_client.get(made["url"]).status_code == 404


def test_links_are_their_owners_and_an_admin_may_revoke_any(client_for, user, other_user):
    made = share(client_for(user))
    detail = reverse("analytics:report-share-detail", kwargs={"id": made["id"]})
    stranger = client_for(other_user)
    assert stranger.get(detail).status_code == 404
    assert stranger.post(reverse("analytics:report-share-revoke", kwargs={"id": made["id"]})).status_code == 404
    assert stranger.get(SHARES).json()["results"] == []
    assert [item["id"] for item in client_for(user).get(SHARES).json()["results"]] == [made["id"]]
    admin = client_for(AdminFactory())
    assert admin.post(reverse("analytics:report-share-revoke", kwargs={"id": made["id"]})).status_code == 200
    row = AuditEvent.objects.get(action=Action.REPORT_SHARE_REVOKE)
    assert row.changes == {"owner": user.email}
