import sys

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.module_loading import autodiscover_modules


class Command(BaseCommand):
    help = (
        "Create demo accounts and data for local use. Idempotent: run it as often as you like. "
        "Each app contributes through a `demo.seed(stdout)` function, called in INSTALLED_APPS order."
    )

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("seed_demo creates accounts with a published password; it refuses to run in production.")
        autodiscover_modules("demo")
        seeds = [
            sys.modules[f"{config.name}.demo"].seed
            for config in apps.get_app_configs()
            if hasattr(sys.modules.get(f"{config.name}.demo"), "seed")
        ]
        with transaction.atomic():
            for seed in seeds:
                seed(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Admin: http://localhost:8000/admin/"))
