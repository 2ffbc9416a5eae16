"""On PostgreSQL, the database refuses double bookings.

An exclusion constraint over (staff_id =, tstzrange(blocked_from, blocked_until) &&) for active
appointments (requested, confirmed): two appointments of one staff member whose ranges widened by
their buffers overlap cannot both be active. The widened range is stored (`blocked_from`,
`blocked_until`) because an index expression must be immutable and timestamptz ± interval is not.
`=` on staff_id needs btree_gist. It is not in Appointment.Meta.constraints because SQLite, the
embedded default, has no exclusion constraints: there the booking service's check under the staff
member's row lock (and SQLite's single writer) is the guard. The reverse drops the constraint and
leaves the extension, which other apps use too.
"""

from django.db import migrations

from config.db import postgresql_only

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE scheduling_appointment ADD CONSTRAINT scheduling_appointment_no_overlap
    EXCLUDE USING gist (
        staff_id WITH =,
        tstzrange(blocked_from, blocked_until, '[)') WITH &&
    ) WHERE (status IN ('requested', 'confirmed'));
"""

DROP = "ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS scheduling_appointment_no_overlap;"


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_services_availability_appointments")]

    operations = [postgresql_only(CREATE, DROP)]
