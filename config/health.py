"""Liveness, readiness and per-dependency health endpoints.

Liveness (`/health`, `/healthz`) touches nothing: a process that answers is alive. Readiness
(`/ready`) checks every dependency a request may need and answers 503 naming what failed, so a
load balancer stops sending traffic to a pod whose database went away.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.http import JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger("timekeep.health")


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_cache() -> str:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", 5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return the value it stored")
    cache.delete(key)
    return "redis" if settings.REDIS_URL else "local-memory"


def check_redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def check_storage() -> str:
    """The media storage answers. Apps may swap this check through HEALTH_STORAGE_CHECK."""
    path = getattr(settings, "HEALTH_STORAGE_CHECK", None)
    if path:
        return import_string(path)()
    if isinstance(default_storage, FileSystemStorage):
        root = Path(default_storage.location)
        root.mkdir(parents=True, exist_ok=True)
        if not os.access(root, os.W_OK):
            raise PermissionError(f"{root} is not writable")
    else:
        default_storage.listdir("")
    return type(default_storage).__name__


def _run(checks: dict[str, Callable[[], str]]) -> JsonResponse:
    results: dict[str, dict] = {}
    failed: list[str] = []
    for name, check in checks.items():
        started = time.perf_counter()
        try:
            detail = check()
            results[name] = {"status": "ok", "detail": detail}
        except Exception as exc:
            logger.warning("readiness check %s failed: %s", name, exc)
            results[name] = {"status": "error", "detail": type(exc).__name__}
            failed.append(name)
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    body = {"status": "ok" if not failed else "unavailable", "checks": results}
    if failed:
        body["failed"] = failed
    response = JsonResponse(body, status=503 if failed else 200)
    if failed:
        # Load balancers and clients wait this long before asking again.
        response["Retry-After"] = str(settings.READY_RETRY_AFTER_SECONDS)
    return response


@never_cache
@require_GET
def root(request):
    return JsonResponse(
        {"name": settings.APP_NAME, "version": settings.APP_VERSION, "status": "ok", "docs": "/api/v1/docs/"}
    )


@never_cache
@require_GET
def liveness(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readiness(request):
    return _run({"database": check_database, "cache": check_cache, "storage": check_storage})


@never_cache
@require_GET
def database(request):
    return _run({"database": check_database})


@never_cache
@require_GET
def redis_health(request):
    return _run({"redis": check_redis})
