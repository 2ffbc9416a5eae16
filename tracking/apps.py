from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "tracking"
    verbose_name = "Tracking"

    def ready(self):
        from accounts.hooks import settings_validator
        from tracking import signals  # noqa: F401  (lap images follow their lap; see the module)
        from tracking.services.projects import validate_default_project

        # accounts stores the default project's id but cannot know projects; tracking checks it.
        settings_validator.register(validate_default_project)
