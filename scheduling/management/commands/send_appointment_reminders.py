from django.conf import settings
from django.core.management.base import BaseCommand

from scheduling.services.reminders import appointment_reminders_send


class Command(BaseCommand):
    help = (
        "Send the reminders due before confirmed appointments (APPOINTMENT_REMINDERS). What the beat task "
        "runs; each reminder is sent once, however often or concurrently this runs."
    )

    def handle(self, *args, **options):
        sent = appointment_reminders_send()
        before = ", ".join(f"{minutes} min" for minutes in settings.APPOINTMENT_REMINDERS)
        self.stdout.write(f"Sent {sent} appointment reminders (reminding {before} before).")
