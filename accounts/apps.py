from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from accounts import signals  # noqa: F401  (connects the admin sign-in audit receivers)
        from config.api.user_cache import user_saved

        # Every save of a user, in any process, refreshes the cached copy the API authenticates with.
        post_save.connect(user_saved, sender=self.get_model("User"), dispatch_uid="accounts.user_cache_save")
        post_delete.connect(user_saved, sender=self.get_model("User"), dispatch_uid="accounts.user_cache_delete")
