from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Analytics"

    def ready(self):
        from analytics.services.exports import export_keys_in_use
        from media.hooks import keys_in_use

        # Export files are stored through media but described by ExportJob rows, not Image rows:
        # tell media's orphan sweep which of them are still wanted.
        keys_in_use.register(export_keys_in_use)
