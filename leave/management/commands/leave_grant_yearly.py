from leave.management.commands._leave_job import LeaveJobCommand
from leave.services.jobs import leave_grant_yearly


class Command(LeaveJobCommand):
    help = (
        "Grant each active user the annual days of every yearly leave type (prorated for people who joined "
        "during the year). Default: each user's current year; --year N runs it for N (e.g. ahead, in December). "
        "Safe to run repeatedly and at the same time as the scheduled task."
    )
    job = leave_grant_yearly
    what = "Yearly grant"
