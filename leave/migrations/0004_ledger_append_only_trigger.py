"""On PostgreSQL, the ledger is append-only: a trigger refuses every UPDATE and DELETE of a row.

TRUNCATE (which no code path issues; test databases are flushed with it) is not a row operation
and is left alone. Users and leave types that have ledger rows cannot be deleted (PROTECT), so no
cascade ever needs to touch the table."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION leave_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'leave ledger entries are append-only' USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER leave_ledger_append_only BEFORE UPDATE OR DELETE ON leave_leaveledgerentry
    FOR EACH ROW EXECUTE FUNCTION leave_ledger_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS leave_ledger_append_only ON leave_leaveledgerentry;
DROP FUNCTION IF EXISTS leave_ledger_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("leave", "0003_request_no_overlap_exclusion")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
