"""Access tokens are verified once per process (config.api.authentication): what a later request
with the same token still checks (expiry, revocation) and what it no longer repeats (PyJWT)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.tokens import AccessToken

from accounts.services.auth import auth_revoke_all
from accounts.tokens import issue_token_pair
from config.api import authentication

pytestmark = pytest.mark.django_db
ME = "/api/v1/auth/me/"


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def decodes(monkeypatch):
    calls = []
    real = TokenBackend.decode
    monkeypatch.setattr(TokenBackend, "decode", lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    return calls


def test_a_token_is_decoded_once_and_answers_the_same(user, decodes):
    client = client_with(issue_token_pair(user).access)
    first, second = client.get(ME), client.get(ME)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert len(decodes) == 1


def test_a_known_token_past_its_expiry_is_refused_as_expired(user, monkeypatch):
    token = AccessToken.for_user(user)
    token["ver"] = user.token_version
    token.set_exp(lifetime=timedelta(seconds=30))
    client = client_with(str(token))
    assert client.get(ME).status_code == 200
    later = time.time() + 31
    monkeypatch.setattr(authentication.time, "time", lambda: later)
    response = client.get(ME)
    assert response.status_code == 401 and response.json()["error"]["code"] == "token_expired"
    assert str(token).encode() not in authentication._verified


def test_a_known_token_is_still_ended_by_revoke_all(user):
    client = client_with(issue_token_pair(user).access)
    assert client.get(ME).status_code == 200
    auth_revoke_all(actor=user)
    response = client.get(ME)
    assert response.status_code == 401 and response.json()["error"]["code"] == "token_revoked"


def test_a_tampered_copy_of_a_known_token_is_checked_and_refused(user, decodes):
    access = issue_token_pair(user).access
    assert client_with(access).get(ME).status_code == 200
    header, payload, signature = access.split(".")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    assert client_with(f"{header}.{payload}.{flipped}").get(ME).status_code == 401
    assert len(decodes) == 2


def test_the_oldest_tokens_make_room(user, monkeypatch):
    monkeypatch.setattr(authentication, "VERIFIED_TOKENS_KEPT", 2)
    monkeypatch.setattr(authentication, "_verified", {})
    tokens = [issue_token_pair(user).access for _ in range(3)]
    for token in tokens:
        assert client_with(token).get(ME).status_code == 200
    assert list(authentication._verified) == [token.encode() for token in tokens[1:]]
