from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tracking.services.timers import timers_stop_forgotten


class Command(BaseCommand):
    help = (
        "Stop timers running longer than TIMER_AUTO_STOP_HOURS (or --hours) at that cap and notify their "
        "owners. Safe to run repeatedly."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=None, help="Override TIMER_AUTO_STOP_HOURS for this run.")

    def handle(self, *args, hours=None, **options):
        cap = settings.TIMER_AUTO_STOP_HOURS if hours is None else hours
        if cap < 1:
            raise CommandError("--hours must be at least 1.")
        stopped = timers_stop_forgotten(hours=cap)
        self.stdout.write(f"Stopped {stopped} timers running longer than {cap} h.")
