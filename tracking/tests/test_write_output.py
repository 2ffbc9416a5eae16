"""A write's answer is built from the entry serializer whose fields were built once
(tracking.api.views.written); it must stay what TimeEntryWriteOutput answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from config.testing import bearer_client
from tracking.api.serializers import TimeEntryWriteOutput
from tracking.compliance import ComplianceGuard
from tracking.models import TimeEntry
from tracking.tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def expected(entry: TimeEntry, now) -> bytes:
    guard = ComplianceGuard(user=entry.user, intervals=[(entry.start, entry.end)], now=now)
    guard.__exit__(None, None, None)
    return JSONRenderer().render(TimeEntryWriteOutput(entry, context={"warnings": guard.warnings}).data)


@pytest.mark.parametrize("daily_hours", [0, 1], ids=["no warning", "a warning"])
def test_a_create_answers_what_the_write_serializer_answers(user, daily_hours):
    project = ProjectFactory(code="OUT")
    now = timezone.now().replace(microsecond=0)
    body = {
        "start_utc": (now - timedelta(hours=4)).isoformat(),
        "end_utc": (now - timedelta(hours=2)).isoformat(),
        "project_code": "out",
        "activity": "naïve café \u2028",
    }
    with override_settings(WORKING_TIME_MAX_DAILY_HOURS=daily_hours):
        response = bearer_client(user).post("/api/v1/time-entries/", body, format="json")
        assert response.status_code == 201
        entry = TimeEntry.objects.get(uuid=response.json()["id"])
        assert entry.project == project
        assert response.content == expected(entry, timezone.now())
    assert bool(response.json()["warnings"]) == bool(daily_hours)


def test_a_stop_answers_what_the_write_serializer_answers(user):
    client = bearer_client(user)
    started = client.post("/api/v1/time-entries/start/", {}, format="json")
    assert started.status_code == 201
    stopped = client.post(f"/api/v1/time-entries/{started.json()['id']}/stop/")
    assert stopped.status_code == 200
    entry = TimeEntry.objects.get(uuid=started.json()["id"])
    assert stopped.content == expected(entry, timezone.now())
