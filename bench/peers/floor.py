"""The floor of any Python service answering the week listing: a bare ASGI callable under uvicorn,
PyJWT, one query from a psycopg async pool, orjson. No framework, no validation beyond what the
answer needs; it shows what the machine allows, not what a maintained service would ship.

    DATABASE_URL=postgres://... JWT_SECRET_KEY=... uvicorn --app-dir bench/peers floor:app

The one query checks the user (active, token version) in the join, counts the week with a window
function and returns the page; an empty page takes a second query to tell "no rows" from "no user".
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import jwt
import orjson
from psycopg_pool import AsyncConnectionPool

SECRET = os.environ["JWT_SECRET_KEY"]
PAGE_SQL = """
SELECT e.uuid, u.uuid, e.start, e."end", p.uuid, p.code, t.uuid, e.activity, e.notes, e.billable, s.uuid,
       e.created_at, e.updated_at, count(*) OVER ()
FROM tracking_timeentry e
JOIN accounts_user u ON u.id = e.user_id
LEFT JOIN tracking_project p ON p.id = e.project_id
LEFT JOIN tracking_task t ON t.id = e.task_id
LEFT JOIN tracking_session s ON s.id = e.session_id
WHERE u.uuid = %s AND u.is_active AND u.token_version = %s
  AND e.start < %s AND (e."end" IS NULL OR e."end" > %s)
ORDER BY e.start DESC, e.id DESC
LIMIT %s OFFSET %s
"""
USER_SQL = "SELECT 1 FROM accounts_user WHERE uuid = %s AND is_active AND token_version = %s"
pool: AsyncConnectionPool | None = None


async def send(send_, status: int, body: bytes) -> None:
    await send_(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send_({"type": "http.response.body", "body": body})


async def app(scope, receive, send_):
    global pool
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                pool = AsyncConnectionPool(os.environ["DATABASE_URL"], min_size=2, max_size=4, open=False)
                await pool.open()
                await send_({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await pool.close()
                await send_({"type": "lifespan.shutdown.complete"})
                return
    if scope["path"] != "/api/v1/time-entries/":
        return await send(send_, 404, b'{"error":"not found"}')
    auth = dict(scope["headers"]).get(b"authorization", b"")
    try:
        claims = jwt.decode(auth[7:], SECRET, algorithms=["HS256"])
        query = dict(parse_qsl(scope["query_string"].decode()))
        start = datetime.fromisoformat(query["from"])
        end = datetime.fromisoformat(query["to"])
        size = int(query.get("page_size", 50))
        page = int(query.get("page", 1))
    except (jwt.PyJWTError, KeyError, ValueError):
        return await send(send_, 400, b'{"error":"bad request"}')
    if claims.get("token_type") != "access":
        return await send(send_, 401, b'{"error":"not authenticated"}')
    async with pool.connection() as conn:
        rows = await (
            await conn.execute(PAGE_SQL, (claims["sub"], claims["ver"], end, start, size, (page - 1) * size))
        ).fetchall()
        if not rows and not await (await conn.execute(USER_SQL, (claims["sub"], claims["ver"]))).fetchone():
            return await send(send_, 401, b'{"error":"not authenticated"}')
    now = datetime.now(UTC)
    count = rows[0][13] if rows else 0
    results = [
        {
            "id": r[0],
            "user": r[1],
            "start_utc": r[2],
            "end_utc": r[3],
            "duration": max(0, int(((r[3] or now) - r[2]).total_seconds())),
            "running": r[3] is None,
            "project": r[4],
            "project_code": r[5],
            "task": r[6],
            "activity": r[7],
            "notes": r[8],
            "billable": r[9],
            "session": r[10],
            "created_at": r[11],
            "updated_at": r[12],
        }
        for r in rows
    ]
    body = {"count": count, "next": None, "previous": None, "results": results}
    await send(send_, 200, orjson.dumps(body, option=orjson.OPT_UTC_Z))
