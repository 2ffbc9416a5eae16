from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from media.services import media_sweep


class Command(BaseCommand):
    help = (
        "Delete pending uploads older than MEDIA_ORPHAN_MAX_AGE_HOURS and stored objects of that age "
        "that no image row refers to. Safe to run repeatedly."
    )

    def handle(self, *args, **options):
        try:
            result = media_sweep()
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Deleted {result.expired_uploads} expired pending uploads and {result.orphan_objects} orphan objects "
            f"(older than {settings.MEDIA_ORPHAN_MAX_AGE_HOURS} h)."
        )
