"""Migration operations for what only PostgreSQL has (exclusion constraints, triggers).

SQLite, the embedded default, has neither: there the services' checks are the guard, and these
operations do nothing. Each runs its SQL as one statement batch (a PL/pgSQL body is not split)
and has a reverse.
"""

from __future__ import annotations

from django.db import migrations


class PostgreSQLOnly(migrations.RunSQL):
    """RunSQL that runs on PostgreSQL and does nothing on any other database."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return "Raw SQL operation (PostgreSQL only)"


def postgresql_only(sql: str, reverse_sql: str) -> PostgreSQLOnly:
    """An operation that runs `sql` on PostgreSQL, and `reverse_sql` when it is unapplied."""
    # One-element lists: each script reaches the database whole, as one execute.
    return PostgreSQLOnly([sql], [reverse_sql])


def append_only_trigger(
    *,
    table: str,
    name: str,
    message: str,
    events: str = "UPDATE OR DELETE",
    allow_when: str | None = None,
    errcode: str | None = None,
) -> PostgreSQLOnly:
    """A row trigger `name` (and its function of the same name) that refuses `events` on `table`
    with `message`, raised with SQLSTATE `errcode` when given. `allow_when`, a condition over OLD
    and NEW, lets an UPDATE through when it holds (e.g. Django setting a deleted user's foreign
    key to NULL). The reverse drops both."""
    refuse = f"RAISE EXCEPTION '{message}'" + (f" USING ERRCODE = '{errcode}'" if errcode else "") + ";"
    allow = f"IF {allow_when}\n    THEN\n        RETURN NEW;\n    END IF;\n    " if allow_when else ""
    create = f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
    {allow}{refuse}
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {name} BEFORE {events} ON {table}
    FOR EACH ROW EXECUTE FUNCTION {name}();
"""
    drop = f"""
DROP TRIGGER IF EXISTS {name} ON {table};
DROP FUNCTION IF EXISTS {name}();
"""
    return postgresql_only(create, drop)
