from leave.management.commands._leave_job import LeaveJobCommand
from leave.services.jobs import leave_carry_over


class Command(LeaveJobCommand):
    help = (
        "Close a year: carry each user's unused days, up to the type's carry_over_max_days, into the next year. "
        "Default: the year before each user's current one; --year N closes N. Safe to run repeatedly."
    )
    job = leave_carry_over
    what = "Carry-over"
