"""Base classes every API view inherits."""

from __future__ import annotations

import threading
from collections.abc import Mapping

from django.db.models import QuerySet
from django.http import QueryDict
from rest_framework import serializers, viewsets
from rest_framework.views import APIView

from config.errors import ValidationFailed

UUID_PATTERN = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


class ApiView(APIView):
    """Base for endpoints that are not a collection (auth, settings, health of a user's data)."""


class ScopedViewSet(viewsets.GenericViewSet):
    """Base for every collection. Subclasses implement `scope_queryset(request)` (normally a
    selector with `actor=request.user`) and never `get_queryset`: scoping happens in one place,
    so an object outside the requester's scope is a 404 on every route.

    Objects are addressed by their public UUID (`uuid` column), exposed as `id`. Set
    `queryset = Model.objects.none()` so the schema generator knows the model.
    """

    lookup_field = "uuid"
    lookup_url_kwarg = "id"
    lookup_value_regex = UUID_PATTERN

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} overrides get_queryset; implement scope_queryset instead.")

    def scope_queryset(self, request) -> QuerySet:
        raise NotImplementedError(f"{type(self).__name__} must implement scope_queryset(request).")

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            # drf-spectacular inspects views without a request user; `queryset` names the model.
            return self.queryset
        return self.scope_queryset(self.request)


def parse_input(serializer_class, data, *, ignore_unknown: bool = False, **kwargs) -> dict:
    """Validate request data with an input serializer; a 400 with field errors if it fails.

    A JSON object naming a field the serializer does not have, at any depth, is a 400
    `unknown_field` naming it: a misspelt or unsupported field never "succeeds" without effect.
    Form and multipart bodies and query strings are not checked (OAuth2 forms carry extra
    fields; query strings carry paging and filters). `ignore_unknown` is for the seed-client
    adapters, whose original backends ignored extra fields."""
    serializer = _validator(serializer_class, data, kwargs)
    try:
        if not ignore_unknown and isinstance(data, dict) and not isinstance(data, QueryDict):
            fields, names = unknown_fields(serializer, data)
            if names:
                label = "Unknown fields" if len(names) > 1 else "Unknown field"
                raise ValidationFailed(f"{label}: {', '.join(names)}.", code="unknown_field", fields=fields)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
    finally:
        _forget(serializer)


# Per thread, one serializer object per input class whose fields were built once. DRF builds a
# serializer's fields anew for every object (a deep copy of each declared field, which runs its
# __init__ again): on a write that was a tenth of the request's Python. Kept only for a class
# without nested serializers, validating with no options (no context, instance or partial), and
# its state from one call (data, result, errors) is dropped before the next; the fields hold none.
_kept = threading.local()
_CALL_STATE = ("initial_data", "_validated_data", "_errors", "_data")


def _validator(serializer_class, data, options: dict) -> serializers.Serializer:
    if options:
        return serializer_class(data=data, **options)
    by_class = _kept.__dict__.setdefault("by_class", {})
    serializer = by_class.get(serializer_class)
    if serializer is None:
        serializer = serializer_class(data=data)
        by_class[serializer_class] = serializer if _flat(serializer) else False
        return serializer
    if serializer is False:
        return serializer_class(data=data)
    serializer.initial_data = data
    return serializer


def _flat(serializer: serializers.Serializer) -> bool:
    """No field is, or holds, a serializer (whose own fields would be bound to the first call)."""
    return not any(
        isinstance(field, serializers.BaseSerializer)
        or isinstance(getattr(field, "child", None), serializers.BaseSerializer)
        for field in serializer.fields.values()
    )


def _forget(serializer: serializers.Serializer) -> None:
    for name in _CALL_STATE:
        serializer.__dict__.pop(name, None)


def unknown_fields(serializer: serializers.Serializer, data: Mapping) -> tuple[dict, list[str]]:
    """The keys of `data` that `serializer` has no field for, as a nested error dict (like DRF's
    own) and as dotted names (`laps[2].colour`). Nested serializers are followed."""
    errors: dict = {}
    names: list[str] = []
    for key, value in data.items():
        field = serializer.fields.get(key)
        if field is None:
            errors[key] = ["Unknown field."]
            names.append(str(key))
        elif isinstance(field, serializers.ListSerializer) and isinstance(value, list):
            found = [unknown_fields(field.child, item) if isinstance(item, Mapping) else ({}, []) for item in value]
            if any(nested for nested, _ in found):
                errors[key] = [nested for nested, _ in found]
                names += [f"{key}[{index}].{name}" for index, (_, inner) in enumerate(found) for name in inner]
        elif isinstance(field, serializers.Serializer) and isinstance(value, Mapping):
            nested, inner = unknown_fields(field, value)
            if nested:
                errors[key] = nested
                names += [f"{key}.{name}" for name in inner]
    return errors, names


def alias_view(view_class):
    """`view_class` under one more path (a seed's old name for it), left out of the published
    schema so each operation is documented once. docs/seed-mapping.md lists the aliases."""
    from drf_spectacular.utils import extend_schema

    return extend_schema(exclude=True)(type(f"{view_class.__name__}Alias", (view_class,), {}))
