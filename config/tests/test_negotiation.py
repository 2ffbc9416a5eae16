"""config.api.negotiation: the shortcut picks what DRF's negotiation picks, and leaves every other
request to it."""

from __future__ import annotations

import pytest
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from config.api.negotiation import ApiContentNegotiation
from config.api.renderers import OrjsonRenderer
from config.testing import bearer_client

ME = "/api/v1/auth/me/"


@pytest.mark.parametrize(
    ("accept", "query"),
    [(None, ""), ("*/*", ""), ("application/json", ""), ("application/json; indent=4", ""), ("*/*", "format=json")],
)
def test_the_shortcut_chooses_what_drf_chooses(accept, query):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    request = Request(APIRequestFactory().get(f"/x/?{query}", **headers))
    renderers = [OrjsonRenderer()]
    ours = ApiContentNegotiation().select_renderer(request, renderers)
    drf = DefaultContentNegotiation().select_renderer(request, renderers)
    assert (type(ours[0]), ours[1]) == (type(drf[0]), drf[1])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "status", "content_type"),
    [
        (None, 200, "application/json"),
        ("*/*", 200, "application/json"),
        ("application/json", 200, "application/json"),
        ("application/json; indent=2", 200, "application/json"),
        ("text/html", 406, "application/json"),
    ],
)
def test_the_api_answers_each_accept_header_as_before(user, accept, status, content_type):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = bearer_client(user).get(ME, **headers)
    assert response.status_code == status
    assert response["Content-Type"] == content_type


@pytest.mark.django_db
def test_a_format_override_is_still_negotiated(user):
    client = bearer_client(user)
    assert client.get(ME, {"format": "json"}).status_code == 200
    assert client.get(ME, {"format": "xml"}).status_code == 404
