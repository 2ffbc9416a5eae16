"""The Celery application.

Without REDIS_URL, settings make every task run eagerly in the calling process, so `make run`
needs no broker. With it, tasks go through Redis to `celery -A config worker`, and
`celery -A config beat` (django-celery-beat's DatabaseScheduler) runs CELERY_BEAT_SCHEDULE.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("timekeep")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
