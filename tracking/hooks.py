"""Hooks tracking offers the apps to its right (see config.hooks). Groups registers into both."""

from config.hooks import declare

session_write_guard = declare(
    "tracking.session_write_guard",
    "fn(session) runs before every write to a session, its laps or its participants and raises a "
    "config.errors exception (e.g. Conflict for an archived group) to refuse it.",
)

session_visibility = declare(
    "tracking.session_visibility",
    "fn(actor) returns a Q over Session naming more sessions `actor` may read (e.g. their groups' "
    "sessions). Applied through a subquery, so joins in it cannot duplicate rows. Reading a "
    "session does not allow writing it.",
)
