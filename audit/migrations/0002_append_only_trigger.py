"""On PostgreSQL, refuse any UPDATE of an audit event except the one Django issues when the
actor's account is deleted (actor set to NULL, everything else unchanged)."""

from django.db import migrations

from config.db import append_only_trigger


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_audit_event")]

    operations = [
        append_only_trigger(
            table="audit_auditevent",
            name="audit_event_append_only",
            message="audit events are append-only",
            events="UPDATE",
            allow_when="""NEW.actor_id IS NULL
       AND (NEW.uuid, NEW.created_at, NEW.actor_email, NEW.action, NEW.target_type, NEW.target_id,
            NEW.target_repr, NEW.changes::text, NEW.ip, NEW.user_agent)
           IS NOT DISTINCT FROM
           (OLD.uuid, OLD.created_at, OLD.actor_email, OLD.action, OLD.target_type, OLD.target_id,
            OLD.target_repr, OLD.changes::text, OLD.ip, OLD.user_agent)""",
        )
    ]
