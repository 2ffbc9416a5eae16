"""E-mail verification over HTTP: the link sent at registration, address changes that wait for
their link, resending, and what an unverified address may not do."""

import time

import pytest
from django.core import mail
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services.users import user_update_by_admin
from accounts.services.verification import verification_token
from accounts.tests.factories import PASSWORD, AdminFactory, UserFactory
from accounts.tests.mail import last_token, links_to, verify_address
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"
VERIFY = "/api/v1/auth/verify-email/"
RESEND = "/api/v1/auth/verify-email/resend/"
ME = "/api/v1/auth/me/"


def login(email: str):
    return APIClient().post("/api/v1/auth/login/", {"email": email, "password": PASSWORD})


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run a request's after-commit work (the outbox hands the e-mail task over) like a server."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def test_registration_sends_a_verification_link_to_the_frontend(sent, settings):
    settings.FRONTEND_URL = "https://app.example.com"
    response = sent(lambda: APIClient().post(REGISTER, {"email": "New@Example.com", "password": "a-Long-pass-91"}))

    assert response.status_code == 201
    assert (response.json()["user"]["email_verified"], response.json()["user"]["pending_email"]) == (False, "")
    (link,) = links_to("new@example.com", "verify-email")
    assert link.startswith("https://app.example.com/verify-email?token=")

    verified = APIClient().post(VERIFY, {"token": last_token("new@example.com", "verify-email")})

    assert verified.status_code == 200
    assert verified.json() == {"email": "new@example.com", "email_verified": True}
    assert User.objects.get(email="new@example.com").email_verified
    assert AuditEvent.objects.filter(action="user.email_verify", actor_email="new@example.com").count() == 1


@override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=9)
def test_registration_works_without_a_mail_server(sent):
    """Nothing listens on port 9: the account is made and signed in, the e-mail stays queued."""
    response = sent(lambda: APIClient().post(REGISTER, {"email": "nomail@example.com", "password": "a-Long-pass-91"}))

    assert response.status_code == 201
    assert response.json()["access_token"]
    assert mail.outbox == []


def test_the_verified_flag_shows_at_once_despite_the_cached_user(client_for):
    user = UserFactory(email_verified=False)
    client = client_for(user)
    assert client.get(ME).json()["email_verified"] is False  # now cached

    APIClient().post(VERIFY, {"token": verification_token(user=user, address=user.email)})

    assert client.get(ME).json()["email_verified"] is True


def test_using_a_link_twice_changes_nothing_more():
    user = UserFactory(email_verified=False)
    token = verification_token(user=user, address=user.email)

    assert APIClient().post(VERIFY, {"token": token}).status_code == 200
    assert APIClient().post(VERIFY, {"token": token}).status_code == 200
    assert AuditEvent.objects.filter(action="user.email_verify").count() == 1


@pytest.mark.parametrize("token", ["", "garbage", "eyJ1IjoiMSIsImUiOiJ4QHguY29tIn0:1xXprn:forged"])
def test_a_forged_or_empty_token_is_a_400(token):
    response = APIClient().post(VERIFY, {"token": token})
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"token_invalid", "validation_error"}


def test_an_expired_link_is_refused(settings, monkeypatch):
    user = UserFactory(email_verified=False)
    token = verification_token(user=user, address=user.email)
    settings.EMAIL_VERIFY_TOKEN_SECONDS = 60
    later = time.time() + 61
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)

    response = APIClient().post(VERIFY, {"token": token})

    assert (response.status_code, response.json()["error"]["code"]) == (400, "token_invalid")
    user.refresh_from_db()
    assert not user.email_verified


def test_an_address_change_waits_for_its_link_and_tells_the_old_address(client_for, sent):
    user = UserFactory(email="old@example.com")
    client = client_for(user)

    changed = sent(lambda: client.patch(ME, {"email": "New@Example.com", "current_password": PASSWORD}))

    assert changed.status_code == 200
    assert (changed.json()["user"]["email"], changed.json()["user"]["pending_email"]) == (
        "old@example.com",
        "new@example.com",
    )
    # Until the link is used the old address still signs in, the new one does not.
    assert login("old@example.com").status_code == 200
    assert login("new@example.com").status_code == 401
    assert links_to("old@example.com", "verify-email") == []

    sent(lambda: verify_address("new@example.com"))

    user.refresh_from_db()
    assert (user.email, user.email_verified, user.pending_email) == ("new@example.com", True, "")
    assert client.get(ME).json()["email"] == "new@example.com"
    (notice,) = [m for m in mail.outbox if m.to == ["old@example.com"]]
    assert "new@example.com" in notice.body
    actions = list(AuditEvent.objects.filter(actor=user).values_list("action", "changes"))
    assert ("user.email_change_request", {"email": ["old@example.com", "new@example.com"]}) in actions
    assert ("user.email_change", {"email": ["old@example.com", "new@example.com"]}) in actions


def test_only_the_latest_requested_address_can_be_confirmed(client_for, sent):
    user = UserFactory()
    client = client_for(user)
    sent(lambda: client.patch(ME, {"email": "first@example.com", "current_password": PASSWORD}))
    first = last_token("first@example.com", "verify-email")
    sent(lambda: client.patch(ME, {"email": "second@example.com", "current_password": PASSWORD}))

    stale = APIClient().post(VERIFY, {"token": first})

    assert (stale.status_code, stale.json()["error"]["code"]) == (400, "token_invalid")
    verify_address("second@example.com")
    user.refresh_from_db()
    assert user.email == "second@example.com"


def test_asking_for_the_current_address_withdraws_a_pending_change(client_for, sent):
    user = UserFactory()
    client = client_for(user)
    sent(lambda: client.patch(ME, {"email": "elsewhere@example.com", "current_password": PASSWORD}))
    token = last_token("elsewhere@example.com", "verify-email")

    withdrawn = client.patch(ME, {"email": user.email})

    assert withdrawn.json()["user"]["pending_email"] == ""
    assert APIClient().post(VERIFY, {"token": token}).status_code == 400


def test_an_address_taken_before_the_link_is_used_is_a_409(client_for, sent):
    user = UserFactory()
    sent(lambda: client_for(user).patch(ME, {"email": "wanted@example.com", "current_password": PASSWORD}))
    UserFactory(email="wanted@example.com")

    response = APIClient().post(VERIFY, {"token": last_token("wanted@example.com", "verify-email")})

    assert (response.status_code, response.json()["error"]["code"]) == (409, "email_taken")
    user.refresh_from_db()
    assert user.email != "wanted@example.com"


def test_resend_goes_to_the_pending_address_else_the_unverified_one(client_for, sent):
    unverified = UserFactory(email="unverified@example.com", email_verified=False)
    response = sent(lambda: client_for(unverified).post(RESEND))
    assert (response.status_code, response.json()) == (202, {"email": "unverified@example.com"})
    assert len(links_to("unverified@example.com", "verify-email")) == 1

    changing = UserFactory(pending_email="moving@example.com")
    response = sent(lambda: client_for(changing).post(RESEND))
    assert (response.status_code, response.json()) == (202, {"email": "moving@example.com"})

    done = client_for(UserFactory()).post(RESEND)
    assert (done.status_code, done.json()["error"]["code"]) == (409, "email_already_verified")
    assert APIClient().post(RESEND).status_code == 401


def test_resend_and_address_changes_are_rate_limited_per_account(client_for, settings):
    settings.RATE_LIMIT_VERIFY_EMAIL_ACCOUNT = "2/h"
    user = UserFactory(email_verified=False)
    client = client_for(user)
    assert client.post(RESEND).status_code == 202
    assert client.patch(ME, {"email": "x@example.com", "current_password": PASSWORD}).status_code == 200

    limited = client.post(RESEND)

    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1


def test_an_address_set_by_an_admin_is_unverified_until_its_link_is_used(client_for, sent):
    admin = AdminFactory()
    user = UserFactory(email="before@example.com")
    sent(lambda: user_update_by_admin(actor=admin, user=user, changes={"email": "after@example.com"}))

    user.refresh_from_db()
    assert (user.email, user.email_verified) == ("after@example.com", False)
    assert links_to("after@example.com", "verify-email")
    assert any(m.to == ["before@example.com"] for m in mail.outbox)
