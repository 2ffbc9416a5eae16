from io import StringIO

import pytest
from django.core.management import call_command

from groups.models import Group
from groups.selectors import group_progress_current

pytestmark = pytest.mark.django_db


def test_demo_group_is_created_once_with_time_on_the_board():
    call_command("seed_demo", stdout=StringIO())
    group = Group.objects.get()
    counts = (group.memberships.count(), group.group_sessions.count())
    call_command("seed_demo", stdout=StringIO())

    assert Group.objects.count() == 1
    assert (group.memberships.count(), group.group_sessions.count()) == counts == (2, 1)
    assert group.owner.email == "alice@example.com"
    minutes = {row.membership.user.email: row.minutes for row in group_progress_current(group=group).members}
    assert minutes["alice@example.com"] == 0
    assert minutes["bob@example.com"] in (0, 35)  # 0 only when three hours ago was last week
