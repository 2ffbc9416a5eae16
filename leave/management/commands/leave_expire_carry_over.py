from leave.management.commands._leave_job import LeaveJobCommand
from leave.services.jobs import leave_expire_carry_over


class Command(LeaveJobCommand):
    help = (
        "Expire carried-over days not used by the end of the type's carry_over_expires_month (carried days are "
        "used first). Default: each user's current year; --year N for N. Safe to run repeatedly."
    )
    job = leave_expire_carry_over
    what = "Carry-over expiry"
