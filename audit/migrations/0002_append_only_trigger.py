"""On PostgreSQL, refuse any UPDATE of an audit event except the one Django issues when the
actor's account is deleted (actor set to NULL, everything else unchanged)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF NEW.actor_id IS NULL
       AND (NEW.uuid, NEW.created_at, NEW.actor_email, NEW.action, NEW.target_type, NEW.target_id,
            NEW.target_repr, NEW.changes::text, NEW.ip, NEW.user_agent)
           IS NOT DISTINCT FROM
           (OLD.uuid, OLD.created_at, OLD.actor_email, OLD.action, OLD.target_type, OLD.target_id,
            OLD.target_repr, OLD.changes::text, OLD.ip, OLD.user_agent)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_event_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_audit_event")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
