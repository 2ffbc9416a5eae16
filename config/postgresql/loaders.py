"""Reading timestamps on a hot written-out query with psycopg's compiled loader.

Django registers a Python subclass of psycopg's timestamptz loader on every connection, to pin
the zone of what it reads (UTC: Django sets the session's TimeZone to UTC on connect, so the
compiled loader reads the same instants). Per value it costs several times the compiled one, and
a query that reads many timestamps (a listing page, a user's week) spent most of its Python
time there. `compiled_timestamps(cursor)` switches one Django cursor to the compiled loader;
the ORM keeps Django's."""

from __future__ import annotations

from psycopg import adapters, pq

_TIMESTAMPTZ = adapters.get_loader(adapters.types["timestamptz"].oid, pq.Format.TEXT)


def compiled_timestamps(cursor) -> None:
    """Read this cursor's timestamptz columns with psycopg's compiled loader."""
    cursor.cursor.adapters.register_loader("timestamptz", _TIMESTAMPTZ)
