"""Django's PostgreSQL backend with a health check that costs no round trip while the connection
is intact.

With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before a request first uses a persistent
connection: one more round trip on every request, as long as the query that follows on a short
request. Here an idle connection whose socket has nothing to read is taken as healthy without
asking: a server that restarts, a backend that is terminated and a closed TCP connection all
leave something to read (the server's last message, or the end of the stream), and then Django's
`SELECT 1` check runs as before and replaces a dead connection before the request uses it.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and not self.pool
            and self._idle_and_quiet()
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def _idle_and_quiet(self) -> bool:
        """Whether the connection is open, outside a transaction, and the server has sent
        nothing since the last answer was read."""
        connection = self.connection
        if connection.closed or connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable
