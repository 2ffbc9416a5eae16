import secrets
import uuid
from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from analytics.models import ExportJob, ExportStatus, ReportShare


class ExportJobFactory(factory.django.DjangoModelFactory):
    """A finished CSV export (its row only: no file is stored)."""

    class Meta:
        model = ExportJob

    owner = factory.SubFactory(UserFactory)
    format = "csv"
    kind = "detailed"
    params = factory.LazyFunction(lambda: {"from": "2025-09-01T00:00:00+00:00", "to": "2025-10-01T00:00:00+00:00"})
    status = ExportStatus.DONE
    key = factory.LazyAttribute(lambda job: f"exports/{job.owner.uuid}/{uuid.uuid4()}.csv")
    row_count = 10
    byte_size = 1000
    finished_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=24))


class ReportShareFactory(factory.django.DjangoModelFactory):
    """A link to a summary by project and day of September to December 2025."""

    class Meta:
        model = ReportShare

    owner = factory.SubFactory(UserFactory)
    token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    params = factory.LazyFunction(
        lambda: {
            "from": "2025-09-01T00:00:00+00:00",
            "to": "2026-01-01T00:00:00+00:00",
            "group": "project",
            "sub_group": "day",
        }
    )
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
