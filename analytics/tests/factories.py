import uuid
from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from analytics.models import ExportJob, ExportStatus


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
