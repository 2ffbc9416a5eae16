from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import Action, AuditEvent
from audit.services import audit_record
from audit.tasks import purge_audit_log_task


@pytest.mark.celery_worker
def test_purge_task_runs_on_a_real_worker_through_the_broker(celery_worker_thread, settings):
    settings.AUDIT_RETENTION = 30
    audit_record(actor=None, action=Action.AUTH_LOGIN_FAILED, now=timezone.now() - timedelta(days=40))
    audit_record(actor=None, action=Action.AUTH_LOGOUT)

    result = purge_audit_log_task.delay()

    assert result.get(timeout=30) == 1
    assert list(AuditEvent.objects.values_list("action", flat=True)) == [Action.AUTH_LOGOUT]
