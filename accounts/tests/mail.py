"""Reading the account e-mails a test caused (Django's test runner keeps them in mail.outbox)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from django.conf import settings
from django.core import mail
from rest_framework.test import APIClient

_LINK = re.compile(r"https?://\S+")


def links_to(address: str, page: str) -> list[str]:
    """The `{FRONTEND_URL}/<page>?token=...` links e-mailed to `address`, oldest first."""
    found = []
    for message in mail.outbox:
        if address in message.to:
            found += [url for url in _LINK.findall(message.body) if url.startswith(f"{settings.FRONTEND_URL}/{page}?")]
    return found


def token_in(link: str) -> str:
    return parse_qs(urlparse(link).query)["token"][0]


def last_token(address: str, page: str) -> str:
    links = links_to(address, page)
    assert links, f"no {page} link was e-mailed to {address}"
    return token_in(links[-1])


def verify_address(address: str) -> None:
    """Follow the last verification link e-mailed to `address`, as its owner would."""
    response = APIClient().post("/api/v1/auth/verify-email/", {"token": last_token(address, "verify-email")})
    assert response.status_code == 200, response.content


def verify_account(user) -> None:
    """Verify `user`'s address over HTTP with a freshly made link token (for tests whose clock
    is frozen, where queued e-mails wait for their time to come)."""
    from accounts.services.verification import verification_token

    token = verification_token(user=user, address=user.email)
    response = APIClient().post("/api/v1/auth/verify-email/", {"token": token})
    assert response.status_code == 200, response.content
