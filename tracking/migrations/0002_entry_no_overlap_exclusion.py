"""On PostgreSQL, the database refuses overlapping entries of one user.

An exclusion constraint over (user_id =, tstzrange(start, coalesce(end, 'infinity')) &&), limited
to `exclusive` rows (rows written while TIME_ENTRY_ALLOW_OVERLAP was on are not exclusive and
never block). It needs the btree_gist extension for the `=` on user_id. It is not in
TimeEntry.Meta.constraints because SQLite, the embedded default, has no exclusion constraints:
there the services' check under the user-row lock (and SQLite's single writer) is the guard.
The reverse drops the constraint and leaves the extension, which other apps may use.
"""

from django.db import migrations

from config.db import postgresql_only

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE tracking_timeentry ADD CONSTRAINT tracking_entry_no_overlap
    EXCLUDE USING gist (
        user_id WITH =,
        tstzrange(start, COALESCE("end", 'infinity'::timestamptz), '[)') WITH &&
    ) WHERE (exclusive);
"""

DROP = "ALTER TABLE tracking_timeentry DROP CONSTRAINT IF EXISTS tracking_entry_no_overlap;"


class Migration(migrations.Migration):
    dependencies = [("tracking", "0001_projects_entries_sessions")]

    operations = [postgresql_only(CREATE, DROP)]
