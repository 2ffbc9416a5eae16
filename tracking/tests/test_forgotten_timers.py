"""Forgotten timers: stopped at the cap, owner notified, idempotent, safe to run concurrently."""

from datetime import timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Notification
from audit.models import AuditEvent
from config.testing import race
from tracking.models import SessionStatus, TimeEntry
from tracking.services.timers import timers_stop_forgotten
from tracking.tasks import stop_forgotten_timers_task
from tracking.tests.factories import SessionFactory, TimeEntryFactory


@pytest.mark.django_db
def test_a_timer_past_the_cap_stops_at_the_cap_and_the_owner_is_told(user, settings):
    settings.TIMER_AUTO_STOP_HOURS = 12
    now = timezone.now()
    forgotten = TimeEntryFactory(user=user, start=now - timedelta(hours=13), end=None)
    fresh = TimeEntryFactory(start=now - timedelta(hours=2), end=None)

    assert timers_stop_forgotten(now=now) == 1

    forgotten.refresh_from_db()
    fresh.refresh_from_db()
    assert forgotten.end == forgotten.start + timedelta(hours=12)
    assert fresh.end is None
    notification = Notification.objects.get(user=user)
    assert notification.kind == "timer.auto_stopped"
    assert notification.payload["entry"] == str(forgotten.uuid)
    assert AuditEvent.objects.get(action="time_entry.auto_stop").target_id == str(forgotten.uuid)

    assert timers_stop_forgotten(now=now + timedelta(minutes=15)) == 0
    assert Notification.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_the_message_uses_the_users_time_zone(user):
    user.timezone = "Europe/Berlin"
    user.save()
    now = timezone.now()
    entry = TimeEntryFactory(user=user, start=now - timedelta(hours=20), end=None)
    timers_stop_forgotten(now=now)
    local = entry.start.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{local:%Y-%m-%d %H:%M}" in Notification.objects.get(user=user).message


@pytest.mark.django_db
def test_a_forgotten_lap_leaves_its_session_paused_and_resumable(client_for, user):
    session = SessionFactory(owner=user, status=SessionStatus.RUNNING, started_at=timezone.now() - timedelta(hours=14))
    lap = TimeEntryFactory(user=user, session=session, start=session.started_at, end=None)

    assert timers_stop_forgotten() == 1

    session.refresh_from_db()
    lap.refresh_from_db()
    assert session.status == SessionStatus.PAUSED
    assert lap.end == lap.start + timedelta(hours=12)
    assert Notification.objects.get(user=user).payload["session"] == str(session.uuid)
    resumed = client_for(user).post(f"/api/v1/sessions/{session.uuid}/resume/")
    assert resumed.status_code == 200 and resumed.json()["status"] == "running"


@pytest.mark.django_db
def test_command_and_task_run_the_same_service(user):
    now = timezone.now()
    TimeEntryFactory(user=user, start=now - timedelta(hours=7), end=None)
    out = StringIO()
    call_command("stop_forgotten_timers", "--hours", "6", stdout=out)
    assert "Stopped 1 timers running longer than 6 h." in out.getvalue()
    call_command("stop_forgotten_timers", "--hours", "6", stdout=out)
    assert "Stopped 0 timers" in out.getvalue()
    TimeEntryFactory(start=now - timedelta(hours=13), end=None)
    assert stop_forgotten_timers_task.delay().get() == 1


def test_the_job_is_in_the_beat_schedule(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "tracking.tasks.stop_forgotten_timers_task" in tasks


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_stop_each_timer_once_and_notify_once():
    now = timezone.now()
    entries = [TimeEntryFactory(start=now - timedelta(hours=13 + i), end=None) for i in range(3)]
    results = race([lambda: timers_stop_forgotten(now=now)] * 2)

    assert sum(results) == 3
    assert Notification.objects.filter(kind="timer.auto_stopped").count() == 3
    assert not TimeEntry.objects.filter(pk__in=[e.pk for e in entries], end__isnull=True).exists()


@pytest.mark.celery_worker
def test_the_task_runs_on_a_real_worker(celery_worker_thread):
    TimeEntryFactory(start=timezone.now() - timedelta(hours=13), end=None)
    assert stop_forgotten_timers_task.delay().get(timeout=30) == 1
    assert Notification.objects.filter(kind="timer.auto_stopped").count() == 1
