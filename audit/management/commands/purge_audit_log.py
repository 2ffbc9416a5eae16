from django.conf import settings
from django.core.management.base import BaseCommand

from audit.services import audit_purge


class Command(BaseCommand):
    help = "Delete audit events older than AUDIT_RETENTION days (or --days). Safe to run repeatedly."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Override AUDIT_RETENTION for this run.")

    def handle(self, *args, days=None, **options):
        retention = settings.AUDIT_RETENTION if days is None else days
        deleted = audit_purge(retention_days=retention)
        self.stdout.write(f"Deleted {deleted} audit events older than {retention} days.")
