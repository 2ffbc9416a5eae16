"""Demo projects, a week of entries and a session with laps for `manage.py seed_demo`.

Idempotent: projects and tasks are created once by code and name; a demo user who already has
any entry gets nothing more. Everything is written through the services, so the demo data obeys
the same rules as real data."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import User
from tracking.models import Project, Task, TimeEntry
from tracking.services.entries import time_entry_create
from tracking.services.projects import project_create, task_create
from tracking.services.sessions import LapSpec, session_create

PROJECTS = [
    ("WEB", "Website relaunch", "#1E88E5", True, ["Design", "Frontend", "Backend"]),
    ("MOB", "Mobile app", "#43A047", True, ["iOS", "Android"]),
    ("OPS", "Operations", "#8E24AA", False, ["Meetings", "Support"]),
]
# (local start, local end, project code, task, activity) for each working day.
DAY_PLAN = [
    (time(9, 0), time(12, 0), "WEB", "Frontend", "Build the landing page"),
    (time(13, 0), time(15, 30), "MOB", "Android", "Fix login flow"),
    (time(15, 45), time(17, 0), "OPS", "Meetings", "Team sync"),
]
DEMO_USERS = ["alice@example.com", "bob@example.com"]


def _projects(admin: User) -> dict[str, Project]:
    found = {}
    for code, name, color, billable, tasks in PROJECTS:
        project = Project.objects.filter(code=code).first() or project_create(
            actor=admin, code=code, name=name, color=color, billable=billable
        )
        for task_name in tasks:
            if not Task.objects.filter(project=project, name=task_name).exists():
                task_create(actor=admin, project_id=project.uuid, name=task_name)
        found[code] = project
    return found


def _week_of_entries(user: User, projects: dict[str, Project], now: datetime) -> int:
    zone = ZoneInfo(user.timezone or "UTC")
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday() + 7)  # last week, all of it in the past
    created = 0
    for offset in range(5):
        day = monday + timedelta(days=offset)
        for start, end, code, task_name, activity in DAY_PLAN:
            task = Task.objects.get(project=projects[code], name=task_name)
            time_entry_create(
                actor=user,
                start=datetime.combine(day, start, tzinfo=zone),
                end=datetime.combine(day, end, tzinfo=zone),
                project_id=projects[code].uuid,
                task_id=task.uuid,
                activity=activity,
                now=now,
            )
            created += 1
    evening = datetime.combine(monday + timedelta(days=2), time(19, 0), tzinfo=zone)
    session_create(
        actor=user,
        title="Evening focus session",
        notes="Deep work on the redesign.",
        laps=[
            LapSpec(start=evening, end=evening + timedelta(minutes=25), activity="Focus"),
            LapSpec(start=evening + timedelta(minutes=30), end=evening + timedelta(minutes=55), activity="Focus"),
            LapSpec(start=evening + timedelta(minutes=60), end=evening + timedelta(minutes=85), activity="Focus"),
        ],
        now=now,
    )
    return created


def seed(stdout) -> None:
    admin = User.objects.filter(email="admin@example.com").first()
    if admin is None:
        stdout.write("Tracking demo skipped: run the accounts demo first.")
        return
    projects = _projects(admin)
    now = timezone.now()
    for email in DEMO_USERS:
        user = User.objects.filter(email=email).first()
        if user is None or TimeEntry.objects.filter(user=user).exists():
            continue
        created = _week_of_entries(user, projects, now)
        stdout.write(f"  {email}: {created} entries last week and one session with 3 laps")
    stdout.write(f"Tracking demo: projects {', '.join(sorted(projects))}.")
