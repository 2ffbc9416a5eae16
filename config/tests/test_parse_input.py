"""config.api.views.parse_input validates each call with a serializer object per input class whose
fields were built once (per thread); nothing from one call may reach the next."""

from __future__ import annotations

import threading

import pytest
from rest_framework import serializers

from config.api import views
from config.api.views import parse_input
from config.errors import ValidationFailed


class FlatInput(serializers.Serializer):
    name = serializers.CharField(max_length=5)
    count = serializers.IntegerField(required=False, default=1)
    note = serializers.CharField(required=False)


class NestedInput(serializers.Serializer):
    inner = FlatInput()


class ListedInput(serializers.Serializer):
    items = serializers.ListField(child=FlatInput())


def builds(monkeypatch, cls) -> list:
    built = []
    real = cls.get_fields
    monkeypatch.setattr(cls, "get_fields", lambda self: built.append(1) or real(self))
    return built


def test_a_flat_input_builds_its_fields_once_and_keeps_nothing_between_calls(monkeypatch):
    views._kept.__dict__.clear()
    built = builds(monkeypatch, FlatInput)
    assert parse_input(FlatInput, {"name": "ab", "count": 3, "note": "n"}) == {"name": "ab", "count": 3, "note": "n"}
    with pytest.raises(serializers.ValidationError) as refused:
        parse_input(FlatInput, {"name": "too long"})
    assert "name" in refused.value.detail
    assert parse_input(FlatInput, {"name": "cd"}) == {"name": "cd", "count": 1}  # no note, the default count
    with pytest.raises(ValidationFailed) as unknown:
        parse_input(FlatInput, {"name": "cd", "colour": "red"})
    assert unknown.value.code == "unknown_field"
    assert len(built) == 1
    kept = views._kept.by_class[FlatInput]
    assert not {"initial_data", "_validated_data", "_errors", "_data"} & set(vars(kept))


@pytest.mark.parametrize(
    ("cls", "data"),
    [(NestedInput, {"inner": {"name": "ab"}}), (ListedInput, {"items": [{"name": "ab"}, {"name": "cd"}]})],
)
def test_an_input_with_nested_serializers_is_built_for_every_call(monkeypatch, cls, data):
    views._kept.__dict__.clear()
    built = builds(monkeypatch, cls)
    for _ in range(3):
        parse_input(cls, data)
    assert len(built) == 3


def test_a_call_with_options_gets_its_own_serializer(monkeypatch):
    views._kept.__dict__.clear()
    parse_input(FlatInput, {"name": "ab"})
    built = builds(monkeypatch, FlatInput)
    assert parse_input(FlatInput, {"count": 2}, partial=True) == {"count": 2}
    assert len(built) == 1


def test_each_thread_keeps_its_own():
    views._kept.__dict__.clear()
    parse_input(FlatInput, {"name": "main"})
    seen = []

    def other() -> None:
        seen.append(parse_input(FlatInput, {"name": "other"}))
        seen.append(views._kept.by_class[FlatInput])

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen[0] == {"name": "other", "count": 1}
    assert seen[1] is not views._kept.by_class[FlatInput]
