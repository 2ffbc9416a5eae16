from django.core.management.base import BaseCommand, CommandError

from analytics.services.exports import export_jobs_expire
from config.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Remove exported files older than EXPORT_RETENTION_HOURS (their jobs stay, as expired) and fail "
        "export jobs that never finished. Safe to run repeatedly."
    )

    def handle(self, *args, **options):
        try:
            result = export_jobs_expire()
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Removed {result['expired']} expired export files; failed {result['abandoned']} stalled jobs."
        )
