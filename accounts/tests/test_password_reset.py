"""Password reset by e-mail over HTTP: the same answer for every address, a link that works once
and expires, every session ended, rate limits."""

import time

import pytest
from django.core import mail
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.models import TotpDevice, User
from accounts.services.recovery import password_reset_token
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.mail import last_token, links_to
from accounts.tokens import issue_token_pair
from audit.models import AuditEvent
from config.testing import bearer_client, race

pytestmark = pytest.mark.django_db

RESET = "/api/v1/auth/password-reset/"
CONFIRM = "/api/v1/auth/password-reset/confirm/"
NEW_PASSWORD = "Another-Horse-43"


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def login(email: str, password: str):
    return APIClient().post("/api/v1/auth/login/", {"email": email, "password": password})


def test_the_answer_is_the_same_whether_or_not_an_account_exists(sent, settings):
    settings.FRONTEND_URL = "https://app.example.com"
    UserFactory(email="known@example.com")
    UserFactory(email="gone@example.com", is_active=False)

    answers = [
        sent(lambda a=a: APIClient().post(RESET, {"email": a}))
        for a in ("Known@Example.com", "nobody@example.com", "gone@example.com")
    ]

    assert {(r.status_code, r.content) for r in answers} == {(answers[0].status_code, answers[0].content)}
    assert answers[0].status_code == 202
    assert [m.to for m in mail.outbox] == [["known@example.com"]]
    (link,) = links_to("known@example.com", "reset-password")
    assert link.startswith("https://app.example.com/reset-password?token=")
    (requested,) = AuditEvent.objects.filter(action="user.password_reset_request")
    assert (requested.target_repr, requested.changes) == ("known@example.com", {"requested_from": "127.0.0.1"})


def test_a_reset_sets_the_password_and_ends_every_session(sent, client_for):
    user = UserFactory(email="reset@example.com", email_verified=False)
    signed_in = client_for(user)
    assert signed_in.get("/api/v1/auth/me/").status_code == 200  # its user is now cached
    other_session = issue_token_pair(user)
    sent(lambda: APIClient().post(RESET, {"email": user.email}))

    response = APIClient().post(
        CONFIRM, {"token": last_token(user.email, "reset-password"), "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 204
    assert signed_in.get("/api/v1/auth/me/").status_code == 401
    assert APIClient().post("/api/v1/auth/refresh/", {"refresh_token": other_session.refresh}).status_code == 401
    assert not OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).exists()
    assert login(user.email, PASSWORD).status_code == 401
    assert login(user.email, NEW_PASSWORD).status_code == 200
    user.refresh_from_db()
    assert user.email_verified  # the link was read at the address
    (event,) = AuditEvent.objects.filter(action="user.password_reset")
    assert (event.actor, event.changes) == (user, {"refresh_tokens_revoked": 2})


def test_a_reset_link_works_once():
    user = UserFactory()
    token = password_reset_token(user=user)
    assert APIClient().post(CONFIRM, {"token": token, "new_password": NEW_PASSWORD}).status_code == 204

    again = APIClient().post(CONFIRM, {"token": token, "new_password": "Third-Horse-44"})

    assert (again.status_code, again.json()["error"]["code"]) == (400, "token_invalid")
    assert login(user.email, NEW_PASSWORD).status_code == 200


def test_a_reset_link_dies_with_a_password_change_or_revoke_all(client_for):
    user = UserFactory()
    token = password_reset_token(user=user)
    client_for(user).post("/api/v1/auth/revoke-all/")

    response = APIClient().post(CONFIRM, {"token": token, "new_password": NEW_PASSWORD})

    assert response.status_code == 400


def test_an_expired_link_is_refused(settings, monkeypatch):
    user = UserFactory()
    token = password_reset_token(user=user)
    settings.PASSWORD_RESET_TOKEN_SECONDS = 60
    later = time.time() + 61
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)

    response = APIClient().post(CONFIRM, {"token": token, "new_password": NEW_PASSWORD})

    assert (response.status_code, response.json()["error"]["code"]) == (400, "token_invalid")


def test_a_weak_password_is_refused_and_the_link_still_works():
    user = UserFactory()
    token = password_reset_token(user=user)

    weak = APIClient().post(CONFIRM, {"token": token, "new_password": "password123"})

    assert weak.status_code == 400
    assert "new_password" in weak.json()["error"]["fields"]
    assert APIClient().post(CONFIRM, {"token": token, "new_password": NEW_PASSWORD}).status_code == 204


@pytest.mark.parametrize("body", [{}, {"token": "x"}, {"token": "nonsense", "new_password": NEW_PASSWORD}])
def test_a_malformed_confirmation_is_a_400(body):
    assert APIClient().post(CONFIRM, body, format="json").status_code == 400


def test_reset_requests_are_limited_per_address_whether_or_not_it_exists(settings):
    settings.RATE_LIMIT_PASSWORD_RESET_ACCOUNT = "2/h"
    UserFactory(email="known@example.com")
    for address in ("known@example.com", "nobody@example.com"):
        for n in range(2):
            assert APIClient().post(RESET, {"email": address}, REMOTE_ADDR=f"10.0.0.{n}").status_code == 202
        limited = APIClient().post(RESET, {"email": address}, REMOTE_ADDR="10.0.0.99")
        assert limited.status_code == 429
        assert int(limited["Retry-After"]) >= 1


def test_reset_requests_and_confirmations_are_limited_per_ip(settings):
    settings.RATE_LIMIT_PASSWORD_RESET_IP = "2/h"
    for n in range(2):
        APIClient().post(RESET, {"email": f"n{n}@example.com"})
        APIClient().post(CONFIRM, {"token": "x", "new_password": NEW_PASSWORD})
    assert APIClient().post(RESET, {"email": "n9@example.com"}).status_code == 429
    assert APIClient().post(CONFIRM, {"token": "x", "new_password": NEW_PASSWORD}).status_code == 429


def test_two_factor_stays_on_after_a_reset():
    user = UserFactory()
    TotpDevice.objects.create(user=user, secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", confirmed_at=user.date_joined)
    APIClient().post(CONFIRM, {"token": password_reset_token(user=user), "new_password": NEW_PASSWORD})

    assert login(user.email, NEW_PASSWORD).json()["mfa_required"] is True


@pytest.mark.django_db(transaction=True)
def test_two_uses_of_one_link_at_once_set_one_password():
    user = UserFactory()
    token = password_reset_token(user=user)
    passwords = ["First-Horse-51", "Second-Horse-52", "Third-Horse-53", "Fourth-Horse-54"]

    responses = race([lambda p=p: APIClient().post(CONFIRM, {"token": token, "new_password": p}) for p in passwords])

    assert sorted(r.status_code for r in responses) == [204, 400, 400, 400]
    winner = passwords[[r.status_code for r in responses].index(204)]
    assert User.objects.get(pk=user.pk).check_password(winner)
    assert AuditEvent.objects.filter(action="user.password_reset").count() == 1


def test_the_signed_in_user_can_still_use_the_api_after_asking(client_for, user):
    """Asking for a reset changes nothing until the link is used."""
    APIClient().post(RESET, {"email": user.email})
    assert bearer_client(user).get("/api/v1/auth/me/").status_code == 200
