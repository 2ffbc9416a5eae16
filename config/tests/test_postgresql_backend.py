"""config.postgresql: the health check of a persistent connection asks the server nothing while
the connection is intact, and still replaces a connection the server has ended. Statements a
connection runs often are prepared on the server (DATABASE_PREPARED_STATEMENTS)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connections

from accounts.models import User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def wrapper(monkeypatch):
    """A connection of its own, as a request finds it: persistent, health checks on, not yet
    checked for this request; `asked` counts the SELECT 1 checks."""
    wrapper = connections.create_connection("default")
    assert type(wrapper).__module__ == "config.postgresql.base"
    wrapper.settings_dict.update(CONN_HEALTH_CHECKS=True, CONN_MAX_AGE=None)
    wrapper.ensure_connection()
    wrapper.health_check_enabled = True
    asked = []
    real = wrapper.is_usable
    monkeypatch.setattr(wrapper, "is_usable", lambda: asked.append(1) or real())
    wrapper.asked = asked
    yield wrapper
    wrapper.close()


def new_request(wrapper) -> None:
    wrapper.close_if_unusable_or_obsolete()  # what the end of the previous request does
    wrapper.health_check_done = False


def test_an_intact_idle_connection_is_used_without_a_round_trip(wrapper):
    before = wrapper.connection
    for _ in range(3):
        new_request(wrapper)
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 2")
            assert cursor.fetchone() == (2,)
    assert wrapper.asked == [] and wrapper.connection is before


def test_a_connection_the_server_ended_is_checked_and_replaced(wrapper):
    pid = wrapper.connection.info.backend_pid
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.2)  # the server's last message reaches the socket
    new_request(wrapper)
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
    assert wrapper.asked == [1]


def test_a_connection_inside_a_transaction_gets_the_usual_check(wrapper):
    wrapper.connection.execute("BEGIN")
    new_request(wrapper)
    wrapper.close_if_health_check_failed()
    assert wrapper.asked == [1]
    wrapper.connection.execute("ROLLBACK")


def test_a_statement_run_often_is_prepared_on_the_server(wrapper):
    assert wrapper.settings_dict["OPTIONS"]["server_side_binding"] is True
    user = User.objects.create_user(email="prepared@example.com", password="x" * 12)
    for _ in range(6):  # psycopg prepares a statement at its fifth run on a connection
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT email FROM accounts_user WHERE id = %s", [user.pk])
            assert cursor.fetchone() == ("prepared@example.com",)
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert "SELECT email FROM accounts_user WHERE id = $1" in prepared


@pytest.mark.parametrize(
    ("value", "options"), [("", {"server_side_binding": True, "prepare_threshold": 5}), ("off", {})]
)
def test_prepared_statements_can_be_turned_off(value, options):
    """Off behind a pooler that does not keep them: client-side binding, nothing prepared."""
    env = {**os.environ, "DATABASE_URL": "postgres://u@db.invalid/x", "DATABASE_PREPARED_STATEMENTS": value}
    code = "from django.conf import settings; print(settings.DATABASES['default'].get('OPTIONS', {}))"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert ast.literal_eval(result.stdout.strip()) == options
