"""Two-factor sign-in over HTTP: enrolment with recovery codes, the login challenge, codes that
work once, turning it off, REQUIRE_2FA_FOR_STAFF, rate limits and the audit trail."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pyotp
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import RecoveryCode, TotpDevice
from accounts.services.mfa import mfa_challenge_issue
from accounts.tests.factories import PASSWORD, AdminFactory, StaffFactory, UserFactory
from accounts.tokens import issue_token_pair
from audit.models import AuditEvent
from config.testing import race

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login/"
VERIFY = "/api/v1/auth/mfa/verify/"
TOTP = "/api/v1/auth/mfa/totp/"
CONFIRM = "/api/v1/auth/mfa/totp/confirm/"


def login(user, password=PASSWORD, client=None):
    return (client or APIClient()).post(LOGIN, {"email": user.email, "password": password}, format="json")


def code_at(secret: str, steps: int = 0) -> str:
    """The authenticator's code `steps` periods from now."""
    return pyotp.TOTP(secret).at(timezone.now() + timedelta(seconds=30 * steps))


def enrol(client) -> tuple[str, list[str]]:
    """Set up an authenticator through the API; its secret and the recovery codes."""
    secret = client.post(TOTP).json()["secret"]
    codes = client.post(CONFIRM, {"code": code_at(secret)}).json()["recovery_codes"]
    return secret, codes


def enrolled(user) -> str:
    """An authenticator confirmed a minute ago (its codes from now on are unused)."""
    device = TotpDevice.objects.create(
        user=user, secret=pyotp.random_base32(), confirmed_at=timezone.now(), last_used_step=0
    )
    return device.secret


def actions(user) -> list[str]:
    return list(AuditEvent.objects.filter(target_id=str(user.uuid)).order_by("pk").values_list("action", flat=True))


def test_enrolment_gives_a_secret_then_ten_recovery_codes_stored_hashed(client_for, user, settings):
    settings.MFA_ISSUER = "Timekeep Test"
    client = client_for(user)

    start = client.post(TOTP)

    assert start.status_code == 200
    secret, uri = start.json()["secret"], start.json()["otpauth_uri"]
    assert pyotp.parse_uri(uri).secret == secret
    assert uri.startswith("otpauth://totp/Timekeep%20Test:") and "issuer=Timekeep%20Test" in uri
    assert client.get(TOTP).json()["enabled"] is False  # not before the first code

    wrong = client.post(CONFIRM, {"code": "000000" if code_at(secret) != "000000" else "111111"})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (400, "invalid_code")

    confirmed = client.post(CONFIRM, {"code": code_at(secret)})

    assert confirmed.status_code == 200
    codes = confirmed.json()["recovery_codes"]
    assert len(codes) == len(set(codes)) == 10
    stored = set(RecoveryCode.objects.filter(user=user).values_list("digest", flat=True))
    assert not stored & set(codes)
    assert stored == {hashlib.sha256(c.replace("-", "").encode()).hexdigest() for c in codes}
    status = client.get(TOTP).json()
    assert (status["enabled"], status["recovery_codes_left"], status["required"]) == (True, 10, False)
    assert actions(user) == ["auth.mfa_setup", "auth.mfa_failed", "auth.mfa_enable"]


def test_confirming_without_a_setup_is_a_409(client_for, user):
    response = client_for(user).post(CONFIRM, {"code": "123456"})
    assert (response.status_code, response.json()["error"]["code"]) == (409, "mfa_setup_missing")


def test_an_enrolled_account_gets_a_challenge_and_no_tokens(user):
    enrolled(user)

    response = login(user)

    assert response.status_code == 200
    body = response.json()
    assert body["mfa_required"] is True and body["step"] == "verify"
    assert set(body["methods"]) == {"totp", "recovery_code"}
    assert "access_token" not in body and "refresh_token" not in body
    assert not response.cookies
    assert actions(user) == ["auth.mfa_challenge"]


def test_the_challenge_and_a_current_code_sign_in(user):
    secret = enrolled(user)
    challenge = login(user).json()["challenge"]

    response = APIClient().post(VERIFY, {"challenge": challenge, "code": code_at(secret)})

    assert response.status_code == 200
    assert response.json()["user"]["id"] == str(user.uuid)
    assert response.cookies["access_token"].value == response.json()["access_token"]
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access_token']}")
    assert bearer.get("/api/v1/auth/me/").status_code == 200
    login_event = AuditEvent.objects.filter(action="auth.login", actor=user).get()
    assert login_event.changes == {"mfa": "totp"}


def test_a_code_is_accepted_once_and_an_older_one_never(user):
    secret = enrolled(user)
    challenge = login(user).json()["challenge"]
    assert APIClient().post(VERIFY, {"challenge": challenge, "code": code_at(secret)}).status_code == 200

    replay = APIClient().post(VERIFY, {"challenge": login(user).json()["challenge"], "code": code_at(secret)})
    older = APIClient().post(VERIFY, {"challenge": login(user).json()["challenge"], "code": code_at(secret, -1)})

    assert (replay.status_code, replay.json()["error"]["code"]) == (401, "invalid_code")
    assert older.status_code == 401
    assert AuditEvent.objects.filter(action="auth.mfa_failed", actor=user).count() == 2


def test_a_recovery_code_signs_in_once(client_for, user):
    _, codes = enrol(client_for(user))

    first = APIClient().post(VERIFY, {"challenge": login(user).json()["challenge"], "code": codes[3].upper()})
    again = APIClient().post(VERIFY, {"challenge": login(user).json()["challenge"], "code": codes[3]})

    assert first.status_code == 200
    assert again.status_code == 401
    event = AuditEvent.objects.filter(action="auth.login", actor=user).get()
    assert event.changes == {"mfa": "recovery_code", "recovery_codes_left": 9}


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "x" * 41])
def test_a_malformed_code_is_refused(user, code):
    enrolled(user)
    response = APIClient().post(VERIFY, {"challenge": login(user).json()["challenge"], "code": code})
    assert response.status_code in {400, 401}


def test_a_forged_expired_or_outdated_challenge_is_refused(user, settings, client_for):
    secret = enrolled(user)
    forged = APIClient().post(VERIFY, {"challenge": "eyJ1IjoxfQ:1xXprn:bad", "code": code_at(secret)})
    assert (forged.status_code, forged.json()["error"]["code"]) == (401, "challenge_invalid")

    stale = login(user).json()["challenge"]
    client_for(user).post("/api/v1/auth/revoke-all/")  # so does a password change or reset
    outdated = APIClient().post(VERIFY, {"challenge": stale, "code": code_at(secret)})
    assert (outdated.status_code, outdated.json()["error"]["code"]) == (401, "challenge_invalid")

    settings.MFA_CHALLENGE_SECONDS = 0
    expired = APIClient().post(VERIFY, {"challenge": login(user).json()["challenge"], "code": code_at(secret)})
    assert expired.status_code == 401


def test_an_enrol_challenge_does_not_complete_a_verify_step(user, settings):
    secret = enrolled(user)
    enrol_challenge = mfa_challenge_issue(user=user, step="enrol").token

    response = APIClient().post(VERIFY, {"challenge": enrol_challenge, "code": code_at(secret)})

    assert (response.status_code, response.json()["error"]["code"]) == (401, "challenge_invalid")


def test_codes_are_limited_per_account_whatever_the_address(user, settings):
    settings.RATE_LIMIT_MFA_ACCOUNT = "3/h"
    secret = enrolled(user)
    for n in range(3):
        APIClient().post(
            VERIFY, {"challenge": login(user).json()["challenge"], "code": "000000"}, REMOTE_ADDR=f"10.1.0.{n}"
        )

    limited = APIClient().post(
        VERIFY, {"challenge": login(user).json()["challenge"], "code": code_at(secret)}, REMOTE_ADDR="10.1.0.99"
    )

    assert limited.status_code == 429
    assert int(limited["Retry-After"]) >= 1


def test_turning_it_off_needs_a_code(client_for, user):
    client = client_for(user)
    secret, codes = enrol(client)

    wrong = client.delete(TOTP, {"code": "abcd-efgh-ijkl-mnop"}, format="json")
    missing = client.delete(TOTP, {}, format="json")
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (400, "invalid_code")
    assert missing.status_code == 400

    off = client.delete(TOTP, {"code": codes[0]}, format="json")

    assert off.status_code == 204
    assert not TotpDevice.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert "access_token" in login(user).json()
    assert AuditEvent.objects.get(action="auth.mfa_disable").changes == {"with": "recovery_code"}
    again = client.delete(TOTP, {"code": code_at(secret)}, format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "mfa_not_enabled")


def test_a_new_authenticator_replaces_the_old_one_only_once_confirmed(client_for, user):
    client = client_for(user)
    old_secret, old_codes = enrol(client)

    new_secret = client.post(TOTP).json()["secret"]
    # Until the new one is confirmed, the old one signs in.
    challenge = login(user).json()["challenge"]
    assert APIClient().post(VERIFY, {"challenge": challenge, "code": code_at(old_secret, 1)}).status_code == 200

    new_codes = client.post(CONFIRM, {"code": code_at(new_secret)}).json()["recovery_codes"]

    challenge = login(user).json()["challenge"]
    assert APIClient().post(VERIFY, {"challenge": challenge, "code": old_codes[0]}).status_code == 401
    assert APIClient().post(VERIFY, {"challenge": challenge, "code": new_codes[0]}).status_code == 200
    assert TotpDevice.objects.filter(user=user).count() == 1


def test_anonymous_calls_without_a_challenge_are_401():
    assert APIClient().get(TOTP).status_code == 401
    assert APIClient().post(TOTP).status_code == 401
    assert APIClient().post(CONFIRM, {"code": "123456"}).status_code == 401
    assert APIClient().delete(TOTP, {"code": "123456"}, format="json").status_code == 401


def test_seed_client_logins_refuse_an_account_with_two_factor(user):
    """The adapters cannot ask for a code: they get a clear 401 instead of tokens."""
    enrolled(user)

    c3po = APIClient().post("/compat/c3po/api/v1/auth/login/json", {"email": user.email, "password": PASSWORD})
    logger = APIClient().post("/compat/logger/api/auth/login", {"email": user.email, "password": PASSWORD})

    assert c3po.status_code == 401
    assert logger.status_code == 401
    assert "access_token" not in c3po.content.decode() + logger.content.decode()


# --- REQUIRE_2FA_FOR_STAFF ----------------------------------------------------------------------


@pytest.fixture
def required(settings):
    settings.REQUIRE_2FA_FOR_STAFF = True


def test_required_staff_set_up_an_authenticator_before_they_are_signed_in(required):
    staff = StaffFactory()

    first = login(staff).json()

    assert (first["mfa_required"], first["step"], first["methods"]) == (True, "enrol", ["totp"])
    assert APIClient().post(VERIFY, {"challenge": first["challenge"], "code": "123456"}).status_code == 401
    setup = APIClient().post(TOTP, {"challenge": first["challenge"]})
    assert setup.status_code == 200
    secret = setup.json()["secret"]

    done = APIClient().post(CONFIRM, {"challenge": first["challenge"], "code": code_at(secret)})

    assert done.status_code == 200
    assert len(done.json()["recovery_codes"]) == 10
    assert done.json()["tokens"]["user"]["id"] == str(staff.uuid)
    assert done.cookies["access_token"].value == done.json()["tokens"]["access_token"]
    # From now on it is an ordinary two-factor sign-in.
    assert login(staff).json()["step"] == "verify"


def test_an_enrol_challenge_cannot_replace_an_authenticator_set_up_since(required):
    staff = StaffFactory()
    challenge = login(staff).json()["challenge"]
    secret = APIClient().post(TOTP, {"challenge": challenge}).json()["secret"]
    assert APIClient().post(CONFIRM, {"challenge": challenge, "code": code_at(secret)}).status_code == 200

    again = APIClient().post(TOTP, {"challenge": challenge})

    assert (again.status_code, again.json()["error"]["code"]) == (401, "challenge_invalid")
    assert TotpDevice.objects.filter(user=staff).count() == 1


def test_required_applies_to_admins_not_to_users(required):
    assert login(AdminFactory()).json()["step"] == "enrol"
    assert "access_token" in login(UserFactory()).json()


def test_required_staff_cannot_turn_it_off(required, client_for):
    staff = StaffFactory()
    secret = enrolled(staff)

    response = client_for(staff).delete(TOTP, {"code": code_at(secret)}, format="json")

    assert (response.status_code, response.json()["error"]["code"]) == (409, "mfa_required")
    assert client_for(staff).get(TOTP).json()["required"] is True


def test_a_staff_session_from_before_the_requirement_cannot_be_refreshed(settings):
    staff = StaffFactory()
    pair = issue_token_pair(staff)
    settings.REQUIRE_2FA_FOR_STAFF = True

    response = APIClient().post("/api/v1/auth/refresh/", {"refresh_token": pair.refresh})

    assert (response.status_code, response.json()["error"]["code"]) == (401, "mfa_enrolment_required")


@pytest.mark.django_db(transaction=True)
def test_one_code_sent_twice_at_once_signs_in_once():
    user = UserFactory()
    secret = enrolled(user)
    challenges = [login(user).json()["challenge"] for _ in range(4)]
    code = code_at(secret)

    responses = race([lambda c=c: APIClient().post(VERIFY, {"challenge": c, "code": code}) for c in challenges])

    assert sorted(r.status_code for r in responses) == [200, 401, 401, 401]
