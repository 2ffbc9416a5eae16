"""Races over real transactions: threads, each with its own database connection."""

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.tokens import issue_token_pair
from config.testing import race


def _race(count, request):
    return race([request] * count)


@pytest.mark.django_db(transaction=True)
def test_ten_parallel_refreshes_with_one_token_give_exactly_one_success():
    pair = issue_token_pair(UserFactory())

    responses = _race(10, lambda: APIClient().post("/api/v1/auth/refresh/", {"refresh_token": pair.refresh}))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [401] * 9, statuses


@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_with_one_email_create_one_account():
    payload = {"email": "race@example.com", "password": "a-Long-pass-91"}

    responses = _race(5, lambda: APIClient().post("/api/v1/auth/register/", payload, format="json"))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * 4, statuses
    assert User.objects.filter(email="race@example.com").count() == 1
