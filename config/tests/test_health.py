import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client

pytestmark = pytest.mark.django_db


def test_root_names_the_service():
    body = Client().get("/").json()
    assert body["name"] == "Timekeep"
    assert body["status"] == "ok"
    assert body["version"]


@pytest.mark.parametrize("path", ["/health", "/healthz", "/health/", "/healthz/"])
def test_liveness_touches_nothing(path, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get(path)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_checks_database_cache_and_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    body = Client().get("/ready").json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "storage"}


def test_ready_is_503_naming_the_database_when_it_is_down(monkeypatch):
    def refuse(self):
        raise OperationalError("down")

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)
    response = Client().get("/ready")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert response["Retry-After"] == "5"
    db = Client().get("/health/db")
    assert db.status_code == 503


def test_ready_is_503_naming_the_cache_when_it_is_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2},
        }
    }
    response = Client().get("/ready")
    assert response.status_code == 503
    assert response.json()["failed"] == ["cache"]


def test_health_db_reports_the_vendor():
    body = Client().get("/health/db").json()
    assert body["checks"]["database"]["detail"] in {"sqlite", "postgresql"}


@pytest.mark.redis
def test_health_redis_pings_the_server():
    response = Client().get("/health/redis")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"]["detail"] == "ok"


def test_health_redis_is_503_when_the_server_is_unreachable(settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert Client().get("/health/redis").status_code == 503
