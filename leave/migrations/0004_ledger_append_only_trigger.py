"""On PostgreSQL, the ledger is append-only: a trigger refuses every UPDATE and DELETE of a row.

TRUNCATE (which no code path issues; test databases are flushed with it) is not a row operation
and is left alone. Users and leave types that have ledger rows cannot be deleted (PROTECT), so no
cascade ever needs to touch the table."""

from django.db import migrations

from config.db import append_only_trigger


class Migration(migrations.Migration):
    dependencies = [("leave", "0003_request_no_overlap_exclusion")]

    operations = [
        append_only_trigger(
            table="leave_leaveledgerentry",
            name="leave_ledger_append_only",
            message="leave ledger entries are append-only",
            errcode="restrict_violation",
        )
    ]
