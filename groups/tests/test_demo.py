from io import StringIO

import pytest
from django.core.management import call_command

from groups.models import Group
from groups.selectors import group_progress_current
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db


def test_demo_group_is_created_once_with_time_on_the_board():
    call_command("seed_demo", stdout=StringIO())
    group = Group.objects.get()
    counts = (group.memberships.count(), group.group_sessions.count())
    call_command("seed_demo", stdout=StringIO())

    assert Group.objects.count() == 1
    assert (group.memberships.count(), group.group_sessions.count()) == counts == (2, 1)
    assert group.owner.email == "alice@example.com"
    progress = group_progress_current(group=group)
    minutes = {row.membership.user.email: row.minutes for row in progress.members}
    assert minutes["alice@example.com"] == 0
    # Bob logged 35 minutes starting three hours ago: the board counts the part inside this period
    # (all of it, unless the period began less than three hours ago).
    log = TimeEntry.objects.get(user__email="bob@example.com", session__group_link__group=group)
    inside = min(log.end, progress.period_end) - max(log.start, progress.period_start)
    assert minutes["bob@example.com"] == max(0, int(inside.total_seconds() // 60))
