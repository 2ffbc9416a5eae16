"""On PostgreSQL, the database refuses two pending or approved requests of one user that overlap.

The range is counted in half days, so "morning of the 5th" and "afternoon of the 5th" do not
overlap while two full days on the 5th do: day d's morning is half-day 2·d, its afternoon 2·d+1
(d counted from 2000-01-01), and a request covers [first half, last half + 1). It needs btree_gist
for the `=` on user_id. It is not in LeaveRequest.Meta.constraints because SQLite, the embedded
default, has no exclusion constraints: there the service's check inside its IMMEDIATE transaction
(SQLite's single writer) is the guard. The reverse drops the constraint and keeps the extension.
"""

from django.db import migrations

from config.db import postgresql_only

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE leave_leaverequest ADD CONSTRAINT leave_request_no_overlap
    EXCLUDE USING gist (
        user_id WITH =,
        int4range(
            (start_date - DATE '2000-01-01') * 2 + CASE WHEN start_half = 'afternoon' THEN 1 ELSE 0 END,
            (end_date - DATE '2000-01-01') * 2 + CASE WHEN end_half = 'morning' THEN 1 ELSE 2 END
        ) WITH &&
    ) WHERE (status IN ('pending', 'approved'));
"""

DROP = "ALTER TABLE leave_leaverequest DROP CONSTRAINT IF EXISTS leave_request_no_overlap;"


class Migration(migrations.Migration):
    dependencies = [("leave", "0002_default_leave_types")]

    operations = [postgresql_only(CREATE, DROP)]
