import pytest
from django.conf import settings
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from config.celery import app


def test_every_scheduled_job_names_a_registered_task():
    app.loader.import_default_modules()
    missing = {
        name: entry["task"] for name, entry in settings.CELERY_BEAT_SCHEDULE.items() if entry["task"] not in app.tasks
    }
    assert missing == {}


@pytest.mark.django_db(transaction=True)
def test_beat_copies_the_code_schedule_into_the_database():
    # DatabaseScheduler closes stale connections itself, hence a real transaction here.
    DatabaseScheduler(app=app, lazy=False)
    installed = dict(PeriodicTask.objects.values_list("name", "task"))
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert installed.get(name) == entry["task"]


def test_tasks_run_inline_without_a_broker_and_through_redis_with_one(settings):
    # The embedded default: no REDIS_URL, so settings make Celery eager and use an in-memory broker.
    if settings.REDIS_URL:
        assert settings.CELERY_BROKER_URL == settings.REDIS_URL
        assert settings.CELERY_TASK_ALWAYS_EAGER is False
    else:
        assert settings.CELERY_BROKER_URL == "memory://"
        assert settings.CELERY_TASK_ALWAYS_EAGER is True
