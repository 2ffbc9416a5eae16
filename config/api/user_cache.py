"""The signed-in user's row, kept in the cache so that authenticating a request costs no query.

Every access token names its user (`sub`, the public UUID) and the token version it was issued
under (`ver`). Checking it needs the user's row: active flag, token version, and the role and
time zone the rest of the request reads. This module keeps a copy of that row (every column but
PRIVATE_FIELDS, which stay deferred and load from the database if something asks for them)
under `auth:user:<uuid>` and builds the request's user from it.

Correctness rests on the writers, not on the expiry:

* Whatever changes a user's row calls `forget_user(user)`: the post_save/post_delete receivers
  (connected by the accounts app) do it for every `save()`, and a service that writes with
  `QuerySet.update()` (revoke-all bumps `token_version` that way) calls it itself. It replaces
  the copy with a "stale" marker at once and again when the transaction commits. While the
  marker stands (STALE_SECONDS), requests read the database and cache nothing, so a request
  that read the row before the commit cannot put the old row back (`cache.add` does not
  overwrite the marker). The very next request after revoke-all, a password change, a
  deactivation or a role change sees the new row.
* Only the cache's own copy is trusted: with Redis (production requires it) every process
  shares it, so a change made by any process reaches all of them at once. The local-memory
  cache (development, tests) is per process: within one process (`runserver`, the test suite)
  it is exact, but a change made by another process (a second worker, `manage.py shell`)
  reaches this one only when its copy expires. That is why the copy lives AUTH_USER_CACHE_SECONDS
  on a shared cache and at most AUTH_USER_CACHE_LOCAL_SECONDS (30 s) on a local one.
* A cache that fails (Redis down) is skipped: the row comes from the database. A marker that
  cannot be written makes the change itself fail (503), so a revocation is never silently lost.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction

logger = logging.getLogger("timekeep.api")

STALE = "stale"
# Long enough to outlast any request that read the row before the change committed.
STALE_SECONDS = 60
# Never copied: the password hash stays in the database; last_login is not read by the API and
# changes on every sign-in (an update() that sends no signal). Both load on access if asked for.
PRIVATE_FIELDS = frozenset({"password", "last_login"})


@cache
def _columns() -> tuple[str, ...]:
    model = get_user_model()
    return tuple(f.attname for f in model._meta.concrete_fields if f.name not in PRIVATE_FIELDS)


@cache
def _prefix() -> str:
    # The column list is part of the key: a deploy that adds a column never reads older copies.
    digest = hashlib.sha256(",".join(_columns()).encode()).hexdigest()[:8]
    return f"auth:user:{digest}:"


def cache_key(user_uuid) -> str:
    return f"{_prefix()}{user_uuid}"


def lifetime() -> int:
    """Seconds a copy lives; 0 turns the cache off (every request reads the database)."""
    seconds = settings.AUTH_USER_CACHE_SECONDS
    if isinstance(_backend(), LocMemCache):
        seconds = min(seconds, settings.AUTH_USER_CACHE_LOCAL_SECONDS)
    return max(0, seconds)


def _backend():
    return caches["default"]


def _from_row(values):
    return get_user_model().from_db("default", _columns(), values)


def load_user(user_uuid: str):
    """The active or inactive user with public id `user_uuid`, or None: from the cache when it
    holds a copy, else from the database (and then remembered unless a change is under way)."""
    return load_user_and(user_uuid)[0]


def load_user_and(user_uuid: str, keys: Sequence[str] = ()) -> tuple[object | None, dict]:
    """`load_user`, plus the cache entries under `keys` read in the same round trip (what the
    request's authentication also asks the cache, such as the access-token denylist): one
    round trip per request in all. The entries are {} when the cache cannot be read."""
    seconds = lifetime()
    key = cache_key(user_uuid)
    backend = _backend()
    try:
        found = backend.get_many([key, *keys]) if seconds else backend.get_many(keys) if keys else {}
    except Exception as exc:  # an unreachable cache must not lock everyone out
        logger.warning("user cache unavailable, reading the database: %s", exc)
        return get_user_model().objects.filter(uuid=user_uuid).first(), {}
    cached = found.pop(key, None)
    if not seconds:
        return get_user_model().objects.filter(uuid=user_uuid).first(), found
    if cached is not None and cached != STALE:
        return _from_row(cached), found
    row = get_user_model().objects.filter(uuid=user_uuid).values_list(*_columns()).first()
    if row is None:
        return None, found
    if cached is None:
        try:
            backend.add(key, row, seconds)
        except Exception as exc:
            logger.warning("user cache unavailable, not remembering the user: %s", exc)
    return _from_row(row), found


def _mark_stale(key: str) -> None:
    _backend().set(key, STALE, STALE_SECONDS)


def forget_user(user) -> None:
    """The user's row changed (or is about to, inside the current transaction): drop the cached
    copy now and once more when the transaction commits (see the module docstring)."""
    key = cache_key(user.uuid)
    _mark_stale(key)

    def again() -> None:
        try:
            _mark_stale(key)
        except Exception:
            # The marker set before the commit still stands for STALE_SECONDS.
            logger.exception("could not mark the cached user %s stale after commit", user.uuid)

    transaction.on_commit(again)


def user_saved(sender, instance, created: bool = False, **kwargs) -> None:
    """post_save / post_delete receiver for the user model. A new user has a new UUID, which no
    copy can be cached under yet."""
    if not created:
        forget_user(instance)
