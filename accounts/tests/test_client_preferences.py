"""Client apps' display preferences (accounts.services.preferences): merged key by key, bounded,
per user and client, gone with the account, and safe under concurrent updates."""

import pytest
from django.db import IntegrityError, transaction

from accounts.models import ClientPreferences
from accounts.services.preferences import (
    MAX_BYTES,
    MAX_KEYS,
    client_preferences_get,
    client_preferences_update,
)
from accounts.tests.factories import UserFactory
from config.errors import ValidationFailed
from config.testing import race

pytestmark = pytest.mark.django_db


def test_nothing_stored_reads_as_empty_and_writes_nothing(user):
    assert client_preferences_get(user=user, client="jlc") == {}
    assert not ClientPreferences.objects.exists()


def test_an_update_merges_the_keys_it_names_and_none_removes_one(user):
    client_preferences_update(actor=user, client="jlc", changes={"showAmount": False, "hourlyAmount": 500.0})

    merged = client_preferences_update(actor=user, client="jlc", changes={"minimalistMode": True, "showAmount": None})

    assert merged == {"hourlyAmount": 500.0, "minimalistMode": True}
    assert client_preferences_get(user=user, client="jlc") == merged
    assert ClientPreferences.objects.filter(user=user).count() == 1


def test_preferences_are_per_user_and_per_client(user, other_user):
    client_preferences_update(actor=user, client="jlc", changes={"showAmount": False})

    assert client_preferences_get(user=other_user, client="jlc") == {}
    assert client_preferences_get(user=user, client="logger") == {}


@pytest.mark.parametrize(
    "changes",
    [
        {f"key{n}": n for n in range(MAX_KEYS + 1)},
        {"big": "x" * MAX_BYTES},
        {"x" * 65: True},
        {"nan": float("nan")},
        {"obj": object()},
    ],
    ids=["too-many-keys", "too-many-bytes", "long-name", "nan", "not-json"],
)
def test_what_is_too_large_or_no_plain_json_is_refused_and_nothing_changes(user, changes):
    client_preferences_update(actor=user, client="jlc", changes={"showAmount": False})

    with pytest.raises(ValidationFailed):
        client_preferences_update(actor=user, client="jlc", changes=changes)

    assert client_preferences_get(user=user, client="jlc") == {"showAmount": False}


@pytest.mark.parametrize("client", ["", "JLC", "-x", "a" * 33, "jlc/../x"])
def test_a_client_name_must_be_a_short_slug(user, client):
    with pytest.raises(ValidationFailed):
        client_preferences_update(actor=user, client=client, changes={"a": 1})


def test_the_database_keeps_one_row_per_user_and_client(user):
    ClientPreferences.objects.create(user=user, client="jlc")

    with pytest.raises(IntegrityError), transaction.atomic():
        ClientPreferences.objects.create(user=user, client="jlc")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClientPreferences.objects.create(user=user, client="Not A Slug")


def test_preferences_go_with_the_account():
    person = UserFactory()
    client_preferences_update(actor=person, client="jlc", changes={"showAmount": False})

    person.delete()

    assert not ClientPreferences.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_updates_of_different_keys_all_survive_without_an_error():
    person = UserFactory()
    keys = [f"key{n}" for n in range(6)]

    results = race(
        [lambda key=key: client_preferences_update(actor=person, client="jlc", changes={key: True}) for key in keys]
    )

    assert all(key in result for key, result in zip(keys, results, strict=True))
    assert client_preferences_get(user=person, client="jlc") == dict.fromkeys(keys, True)
    assert ClientPreferences.objects.filter(user=person).count() == 1
