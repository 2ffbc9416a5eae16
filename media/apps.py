from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "media"
    verbose_name = "Media"

    def ready(self):
        from media import signals  # noqa: F401  (connects the object-deletion receiver)
