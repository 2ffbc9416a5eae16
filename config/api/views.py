"""Base classes every API view inherits."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.views import APIView

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


def parse_input(serializer_class, data, **kwargs) -> dict:
    """Validate request data with an input serializer; a 400 with field errors if it fails."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def alias_view(view_class):
    """`view_class` under one more path (a seed's old name for it), left out of the published
    schema so each operation is documented once. docs/seed-mapping.md lists the aliases."""
    from drf_spectacular.utils import extend_schema

    return extend_schema(exclude=True)(type(f"{view_class.__name__}Alias", (view_class,), {}))
