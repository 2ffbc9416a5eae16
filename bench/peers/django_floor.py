"""The thinnest Django that can answer the week listing: no middleware, no installed apps, no DRF,
one URL, one raw query on a persistent connection, PyJWT and orjson, served by gunicorn like the
project. What is left is Django's request handling itself: the floor the project can approach.

    DATABASE_URL=postgres://... JWT_SECRET_KEY=... gunicorn --chdir bench/peers django_floor:application
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from urllib.parse import urlsplit

import django
import jwt
import orjson
from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.http import HttpResponse
from django.urls import path

_url = urlsplit(os.environ["DATABASE_URL"])
settings.configure(
    DEBUG=False,
    SECRET_KEY=os.environ["JWT_SECRET_KEY"],
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_TZ=True,
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _url.path.lstrip("/"),
            "USER": _url.username or "",
            "PASSWORD": _url.password or "",
            "HOST": _url.hostname or "",
            "PORT": _url.port or "",
            "CONN_MAX_AGE": None,
        }
    },
)
django.setup()

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


def error(status: int, message: bytes) -> HttpResponse:
    return HttpResponse(b'{"error":"' + message + b'"}', status=status, content_type="application/json")


def time_entries(request):
    try:
        claims = jwt.decode(request.headers.get("Authorization", "")[7:], settings.SECRET_KEY, algorithms=["HS256"])
        start = datetime.fromisoformat(request.GET["from"])
        end = datetime.fromisoformat(request.GET["to"])
        size = int(request.GET.get("page_size", 50))
        page = int(request.GET.get("page", 1))
    except (jwt.PyJWTError, KeyError, ValueError):
        return error(400, b"bad request")
    if claims.get("token_type") != "access":
        return error(401, b"not authenticated")
    with connection.cursor() as cursor:
        cursor.execute(PAGE_SQL, (claims["sub"], claims["ver"], end, start, size, (page - 1) * size))
        rows = cursor.fetchall()
        if not rows:
            cursor.execute(USER_SQL, (claims["sub"], claims["ver"]))
            if cursor.fetchone() is None:
                return error(401, b"not authenticated")
    now = datetime.now(UTC)
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
    body = {"count": rows[0][13] if rows else 0, "next": None, "previous": None, "results": results}
    return HttpResponse(orjson.dumps(body, option=orjson.OPT_UTC_Z), content_type="application/json")


urlpatterns = [path("api/v1/time-entries/", time_entries)]
application = get_wsgi_application()
