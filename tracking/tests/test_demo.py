from io import StringIO

import pytest
from django.core.management import call_command

from tracking.models import Project, Session, TimeEntry

pytestmark = pytest.mark.django_db


def test_demo_data_is_created_once():
    call_command("seed_demo", stdout=StringIO())
    counts = (Project.objects.count(), TimeEntry.objects.count(), Session.objects.count())
    call_command("seed_demo", stdout=StringIO())

    assert (Project.objects.count(), TimeEntry.objects.count(), Session.objects.count()) == counts
    alice = TimeEntry.objects.filter(user__email="alice@example.com")
    assert alice.filter(session__isnull=True).count() == 15
    assert alice.filter(session__isnull=False).count() == 3
    assert Session.objects.get(owner__email="bob@example.com").status == "stopped"
