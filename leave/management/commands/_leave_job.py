"""What the four leave job commands share: `--year`, progress lines, a summary."""

from django.core.management.base import BaseCommand


class LeaveJobCommand(BaseCommand):
    job = None  # a function of leave.services.jobs
    what = ""

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="The year to work on (default: each user's current year).")

    def handle(self, *args, year=None, **options):
        report = type(self).job(year=year, progress=self.stdout.write)
        self.stdout.write(
            f"{self.what}: wrote {len(report.written)} ledger rows ({report.days:+} days); "
            f"{report.already} were there already."
        )
