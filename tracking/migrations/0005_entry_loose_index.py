"""An index of the entries outside the no-overlap rule (`exclusive` False: written while
TIME_ENTRY_ALLOW_OVERLAP was on), by user and start. They are few; the working-time check finds a
user's loose entries that start before a week without scanning every earlier entry of the user
(tracking.compliance.WEEK_WORK_SQL)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0004_entry_fulltext_search_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="timeentry",
            index=models.Index(
                condition=models.Q(("exclusive", False)), fields=["user", "start"], name="tracking_entry_loose_idx"
            ),
        ),
    ]
