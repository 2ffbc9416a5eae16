from django.core.management.base import BaseCommand

from outbox.services import outbox_drain


class Command(BaseCommand):
    help = (
        "Send the queued side effects (outbox rows) that are due: those not yet handed to the broker, with "
        "backoff between attempts. Safe to run repeatedly and at the same time as the scheduled task."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="At most this many rows in this run.")

    def handle(self, *args, limit: int, **options):
        result = outbox_drain(limit=limit)
        self.stdout.write(
            f"Sent {result.sent}; {result.retried} to retry later; {result.failed} failed for good; "
            f"purged {result.purged} old sent rows."
        )
