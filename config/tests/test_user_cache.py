"""The signed-in user comes from the cache (config/api/user_cache.py): no query once cached, and
every change that must end or alter access reaches the very next request, with the cache on
Redis and on local memory alike."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, User
from accounts.services.users import user_update_by_admin
from accounts.tests.factories import PASSWORD, AdminFactory, UserFactory
from config.api import user_cache
from config.testing import bearer_client

pytestmark = pytest.mark.django_db

ME = "/api/v1/auth/me/"
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def redis_caches() -> dict:
    return {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": "timekeep-test-user-cache",
        }
    }


@pytest.fixture(params=["locmem", pytest.param("redis", marks=pytest.mark.redis)])
def backend(request, settings):
    settings.CACHES = LOCMEM if request.param == "locmem" else redis_caches()
    caches["default"].clear()
    yield request.param
    caches["default"].clear()


def queries_of(call) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return result, [query["sql"] for query in captured.captured_queries]


def warm(client) -> None:
    """One request caches the user; the next costs no query at all."""
    assert client.get(ME).status_code == 200
    response, sql = queries_of(lambda: client.get(ME))
    assert response.status_code == 200
    assert sql == []


def test_a_cached_user_costs_no_query(backend, user):
    warm(bearer_client(user))


def test_revoke_all_rejects_the_old_access_token_on_the_next_request(backend, user):
    client = bearer_client(user)
    warm(client)
    assert client.post("/api/v1/auth/revoke-all/").status_code == 200
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_revoked"


def test_a_password_change_rejects_the_old_access_token_on_the_next_request(backend, user):
    client = bearer_client(user)
    warm(client)
    changed = client.patch(ME, {"current_password": PASSWORD, "new_password": "a-new-long-passphrase-42"})
    assert changed.status_code == 200
    assert client.get(ME).status_code == 401
    fresh = bearer_client(User.objects.get(pk=user.pk))
    assert fresh.get(ME).status_code == 200


def test_deactivation_rejects_the_access_token_on_the_next_request(backend, user):
    client = bearer_client(user)
    warm(client)
    admin = bearer_client(AdminFactory())
    assert admin.patch(f"/api/v1/users/{user.uuid}/", {"is_active": False}).status_code == 200
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] in {"user_inactive", "token_revoked"}


def test_a_role_change_reaches_the_next_request(backend, user):
    client = bearer_client(user)
    warm(client)
    assert client.get("/api/v1/users/").status_code == 403
    user_update_by_admin(actor=AdminFactory(), user=user, changes={"role": Role.STAFF})
    assert client.get(ME).json()["role"] == Role.STAFF
    assert client.get("/api/v1/users/").status_code == 200


def test_a_profile_change_by_save_reaches_the_next_request(backend, user):
    client = bearer_client(user)
    warm(client)
    user.timezone = "Europe/Berlin"
    user.save()
    assert client.get(ME).json()["timezone"] == "Europe/Berlin"


def test_a_read_during_a_change_does_not_cache_the_old_row(backend, user):
    """After forget_user the copy is a stale marker: a request that read the row meanwhile
    (before the change committed) cannot put it back, and requests read the database."""
    bearer_client(user).get(ME)
    user_cache.forget_user(user)
    loaded, sql = queries_of(lambda: user_cache.load_user(str(user.uuid)))
    assert loaded.pk == user.pk and len(sql) == 1
    assert caches["default"].get(user_cache.cache_key(user.uuid)) == user_cache.STALE
    _, sql = queries_of(lambda: user_cache.load_user(str(user.uuid)))
    assert len(sql) == 1


def test_the_password_hash_is_never_cached(backend, user):
    client = bearer_client(user)
    warm(client)
    cached = caches["default"].get(user_cache.cache_key(user.uuid))
    assert user.password not in cached
    loaded = user_cache.load_user(str(user.uuid))
    assert loaded.get_deferred_fields() == {"password", "last_login"}
    _, sql = queries_of(lambda: loaded.check_password(PASSWORD))
    assert len(sql) == 1  # loaded on demand


def test_local_memory_keeps_a_copy_only_briefly(settings):
    settings.CACHES = LOCMEM
    settings.AUTH_USER_CACHE_SECONDS = 300
    settings.AUTH_USER_CACHE_LOCAL_SECONDS = 5
    assert user_cache.lifetime() == 5


@pytest.mark.redis
def test_redis_keeps_the_configured_lifetime(settings):
    settings.CACHES = redis_caches()
    settings.AUTH_USER_CACHE_SECONDS = 300
    assert user_cache.lifetime() == 300


def test_zero_turns_the_cache_off(settings, user):
    settings.AUTH_USER_CACHE_SECONDS = 0
    client = bearer_client(user)
    client.get(ME)
    _, sql = queries_of(lambda: client.get(ME))
    assert len(sql) == 1


def test_an_unreachable_cache_falls_back_to_the_database(settings, user):
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    client = bearer_client(user)
    assert client.get(ME).status_code == 200
    assert client.get(ME).status_code == 200


def test_a_new_user_is_cached_from_the_first_request(backend):
    fresh = UserFactory()
    client = bearer_client(fresh)
    client.get(ME)
    assert caches["default"].get(user_cache.cache_key(fresh.uuid)) not in (None, user_cache.STALE)
