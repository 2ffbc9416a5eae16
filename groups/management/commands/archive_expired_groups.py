from django.core.management.base import BaseCommand

from groups.services.groups import groups_archive_expired


class Command(BaseCommand):
    help = (
        "Archive active groups whose end date has passed in their time zone (members are notified) and expire "
        "pending invites past their expiry. Safe to run repeatedly, and at the same time as the scheduled task."
    )

    def handle(self, *args, **options):
        report = groups_archive_expired()
        for group in report.archived:
            self.stdout.write(f"  archived {group.name} ({group.uuid}), ended {group.ends_on:%Y-%m-%d}")
        self.stdout.write(f"Archived {len(report.archived)} expired groups; expired {report.invites_expired} invites.")
