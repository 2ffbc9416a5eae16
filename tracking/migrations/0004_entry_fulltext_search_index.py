"""On PostgreSQL, a GIN index for full-text search over entries' activity and notes.

The reports' `search=` matches `to_tsvector('simple', activity || ' ' || notes)`; the index holds
that exact expression (analytics.selectors.search writes the same one), so a search over a
million entries reads the index instead of every row. `simple` neither stems nor drops stop
words: activities and notes are written in any language. SQLite has no such index; the reports
search there with a case-insensitive substring match.
"""

from django.db import migrations

from config.db import postgresql_only

CREATE = """
CREATE INDEX IF NOT EXISTS tracking_entry_search_idx ON tracking_timeentry
    USING gin (to_tsvector('simple'::regconfig, (activity)::text || ' '::text || (notes)::text));
"""

DROP = "DROP INDEX IF EXISTS tracking_entry_search_idx;"


class Migration(migrations.Migration):
    dependencies = [("tracking", "0003_lap_images")]

    operations = [postgresql_only(CREATE, DROP)]
