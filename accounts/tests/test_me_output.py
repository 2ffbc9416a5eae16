"""`/auth/me` answers through accounts.api.serializers.user_output; it must stay what UserOutput
answers, field for field and byte for byte, whatever the account holds."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from rest_framework.renderers import JSONRenderer

from accounts.api import serializers
from accounts.api.serializers import UserOutput, user_output
from accounts.models import User
from accounts.tests.factories import StaffFactory, UserFactory
from config.api.renderers import OrjsonRenderer
from config.testing import bearer_client
from media.tests.factories import ImageFactory

pytestmark = pytest.mark.django_db


def test_a_full_account_answers_as_its_serializer(monkeypatch):
    # Both build the picture's URL with the same function; a fixed one keeps a signature that
    # changes with the clock out of the comparison.
    monkeypatch.setattr(serializers, "image_url", lambda image: SimpleNamespace(url=f"https://x/{image.key}"))
    person = UserFactory(
        manager=StaffFactory(),
        display_name="Zoë \u2028",
        timezone="America/Sao_Paulo",
        country="DE",
        subdivision="BY",
        pending_email="new@example.com",
    )
    User.objects.filter(pk=person.pk).update(
        avatar=ImageFactory(owner=person), date_joined=datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=UTC)
    )
    person.refresh_from_db()
    assert OrjsonRenderer().render(user_output(person)) == JSONRenderer().render(UserOutput(person).data)
    assert list(user_output(person)) == list(UserOutput(person).data)
    response = bearer_client(person).get("/api/v1/auth/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["avatar_url"] and body["manager"] == str(person.manager.uuid)
    assert body["date_joined"] == "2024-02-29T23:59:58.123456Z"


def test_a_bare_account_answers_as_its_serializer():
    person = UserFactory(manager=None)
    assert OrjsonRenderer().render(user_output(person)) == JSONRenderer().render(UserOutput(person).data)
