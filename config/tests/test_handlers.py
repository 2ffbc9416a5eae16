"""config.handlers: the servers' handler keeps the match of a path without parameters; every
request still gets what Django's resolver gives it."""

from __future__ import annotations

import uuid

import pytest
from django.test import RequestFactory
from django.urls import Resolver404, resolve

from config import asgi, wsgi
from config.handlers import ROUTES_KEPT, KeptRoutesASGIHandler, KeptRoutesWSGIHandler

FIXED = ["/api/v1/time-entries/", "/api/v1/auth/me/", "/healthz", "/compat/jlc/api/settings"]


def same(ours, django) -> None:
    for name in ("func", "args", "kwargs", "url_name", "route", "app_names", "namespaces", "view_name"):
        assert getattr(ours, name) == getattr(django, name), name


def test_the_servers_run_the_handler_that_keeps_routes():
    assert isinstance(wsgi.application, KeptRoutesWSGIHandler)
    assert isinstance(asgi.application, KeptRoutesASGIHandler)


@pytest.mark.parametrize("path", FIXED)
def test_a_path_without_parameters_is_resolved_once_and_answered_the_same(path, monkeypatch):
    handler = KeptRoutesWSGIHandler()
    first_request, second_request = RequestFactory().get(path), RequestFactory().get(path)
    first = handler.resolve_request(first_request)
    monkeypatch.setattr("django.urls.resolvers.URLResolver.resolve", lambda *a: pytest.fail("resolved again"))
    second = handler.resolve_request(second_request)
    monkeypatch.undo()
    assert second is not first and second_request.resolver_match is second
    same(first, resolve(path))
    same(second, resolve(path))
    second.kwargs["leak"] = 1  # a view that changes its match changes only its own
    assert handler.resolve_request(RequestFactory().get(path)).kwargs == {}


def test_paths_with_parameters_or_without_a_route_are_not_kept():
    handler = KeptRoutesWSGIHandler()
    entry = f"/api/v1/time-entries/{uuid.uuid4()}/"
    match = handler.resolve_request(RequestFactory().get(entry))
    same(match, resolve(entry))
    for _ in range(2):
        with pytest.raises(Resolver404):
            handler.resolve_request(RequestFactory().get("/api/v1/no-such-thing/"))
    assert handler._routes == {}


def test_the_table_starts_over_when_full():
    handler = KeptRoutesWSGIHandler()
    handler._routes.update({f"/filler/{n}": object() for n in range(ROUTES_KEPT)})
    handler.resolve_request(RequestFactory().get("/healthz"))
    assert list(handler._routes) == ["/healthz"]
