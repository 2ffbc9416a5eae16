"""A body nested deeper than API_MAX_JSON_DEPTH is a 400 with the usual error body, on every
JSON parser the API uses (the anonymous login included), never a RecursionError."""

import json

import pytest
from django.urls import reverse

from config.api.parsers import json_depth_exceeds


def nested(levels: int) -> str:
    return '{"email": ' + "[" * levels + "1" + "]" * levels + ', "password": "x"}'


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["accounts:login", "accounts:login-json", "accounts:register"])
@pytest.mark.parametrize("levels", [50, 1_000, 100_000])
def test_a_deeply_nested_body_is_a_400_for_anonymous_auth_endpoints(api_client, url_name, levels):
    response = api_client.post(reverse(url_name), data=nested(levels), content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert "nested" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_a_deeply_nested_body_is_a_400_for_an_authenticated_write(client_for, user):
    body = '{"notes": ' + "[" * 1_000 + "]" * 1_000 + "}"

    response = client_for(user).post(reverse("tracking:time-entry-list"), data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


@pytest.mark.django_db
def test_a_body_within_the_limit_is_parsed(api_client):
    body = json.dumps({"email": [[["a"]]], "password": "x"})

    response = api_client.post(reverse("accounts:login"), data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_depth_is_measured_without_recursion():
    deep: list = []
    for _ in range(50_000):
        deep = [deep]

    assert json_depth_exceeds(deep, 32)
    assert not json_depth_exceeds({"a": [{"b": [1, 2]}]}, 4)
    assert json_depth_exceeds({"a": [{"b": [1, 2]}]}, 3)


def _views(patterns):
    from django.urls import URLPattern, URLResolver

    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            yield getattr(pattern.callback, "cls", None)


def test_every_api_view_parses_json_with_the_depth_limit():
    from django.urls import get_resolver
    from rest_framework import parsers

    from config.api.parsers import JSONParser

    unlimited = {
        view.__name__
        for view in _views(get_resolver().url_patterns)
        if view is not None
        for parser in getattr(view, "parser_classes", ())
        if issubclass(parser, parsers.JSONParser) and not issubclass(parser, JSONParser)
    }
    assert not unlimited
