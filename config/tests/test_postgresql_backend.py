"""config.postgresql: the health check of a persistent connection asks the server nothing while
the connection is intact, and still replaces a connection the server has ended."""

from __future__ import annotations

import time

import pytest
from django.db import connections

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
