"""A demo focus group for `manage.py seed_demo`: alice owns it and started a group session, bob
joined it and logged time there a few hours ago. Idempotent: nothing is added once alice has the group.
Written through the services, so the demo obeys the same rules as real data."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from groups.models import Group
from groups.services.groups import group_create
from groups.services.members import membership_add
from groups.services.sessions import group_session_create, group_session_join
from tracking.services.laps import session_log_add

GROUP_NAME = "Deep work club"


def seed(stdout) -> None:
    alice = User.objects.filter(email="alice@example.com").first()
    bob = User.objects.filter(email="bob@example.com").first()
    if alice is None or bob is None:
        stdout.write("Groups demo skipped: run the accounts demo first.")
        return
    if Group.objects.filter(name=GROUP_NAME, owner=alice).exists():
        stdout.write(f"Groups demo: “{GROUP_NAME}” already present; nothing changed.")
        return
    now = timezone.now()
    group = group_create(
        actor=alice,
        name=GROUP_NAME,
        description="Ten focused hours a week, together.",
        goal_minutes=600,
        now=now,
    )
    membership_add(actor=alice, group=group, user_id=bob.uuid, now=now)
    session = group_session_create(actor=alice, group=group, title="Morning focus block", now=now)
    group_session_join(actor=bob, session=session, now=now)
    session_log_add(
        actor=bob, session=session, start=now - timedelta(hours=3), duration=35 * 60, activity="Focus", now=now
    )
    stdout.write(f"Groups demo: “{GROUP_NAME}” (alice owns it, bob is a member) with one group session.")
