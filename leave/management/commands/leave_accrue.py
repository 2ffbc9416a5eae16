from leave.management.commands._leave_job import LeaveJobCommand
from leave.services.jobs import leave_accrue


class Command(LeaveJobCommand):
    help = (
        "Accrue a twelfth of the annual days (in half days, summing exactly over the year) of every monthly "
        "leave type for each month that has begun. Catches up missed months; safe to run repeatedly."
    )
    job = leave_accrue
    what = "Monthly accrual"
