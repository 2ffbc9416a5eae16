"""Hooks tracking offers the apps to its right (see config.hooks). Groups registers into all four."""

from config.errors import ValidationFailed
from config.hooks import declare

session_write_guard = declare(
    "tracking.session_write_guard",
    "fn(session) runs before every write to a session, its laps or its participants and raises a "
    "config.errors exception (e.g. Conflict for an archived group) to refuse it.",
)

session_write_facts = declare(
    "tracking.session_write_facts",
    "fn() returns a dict {name: query expression over Session} that a session_write_guard function "
    "needs. Tracking annotates them onto the session row it locks for a write (lock_session), so "
    "the guard reads `session.<name>` instead of querying; for a session without the attribute "
    "(one that was not locked so) the guard queries as before. fn must return the same expressions "
    "every time: on PostgreSQL the lock statement is compiled once per process.",
)

session_visibility = declare(
    "tracking.session_visibility",
    "fn(actor) returns a Q over Session naming more sessions `actor` may read (e.g. their groups' "
    "sessions). Applied through a subquery, so joins in it cannot duplicate rows. Reading a "
    "session does not allow writing it.",
)

group_session_create = declare(
    "tracking.group_session_create",
    "fn(*, actor, group_id, title, notes) creates a session in the group with public id `group_id` "
    "(the same checks as the group's own sessions route) and returns it; raises a config.errors "
    "exception to refuse. `POST /sessions/` with `group` calls it.",
)


def session_create_in_group(*, actor, group_id, title: str = "", notes: str = ""):
    """Create a group session through whichever app registered `group_session_create`; without
    one, group sessions do not exist here (400)."""
    created = group_session_create.call(actor=actor, group_id=group_id, title=title, notes=notes)
    if not created:
        raise ValidationFailed("group: Group sessions are not available.", fields={"group": ["Not available."]})
    return created[0]
