from dataclasses import asdict

from celery import shared_task

from outbox.services import outbox_drain


@shared_task(ignore_result=True)
def outbox_drain_task() -> dict:
    """Send queued side effects that the after-commit attempt could not (beat runs it)."""
    return asdict(outbox_drain())
