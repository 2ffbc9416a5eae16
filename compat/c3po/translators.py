"""Timekeep's user and tokens in the shapes C3PO's backend answered with."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import User
from accounts.tokens import TokenPair
from config.api.fields import AwareDateTimeField


def name_parts(user: User) -> tuple[str, str]:
    """C3PO keeps first and last name; Timekeep one display name, split at its first space."""
    first, _, last = user.display_name.strip().partition(" ")
    return first, last.strip()


def user_json(user: User) -> dict:
    first, last = name_parts(user)
    when = AwareDateTimeField().to_representation(user.date_joined)
    return {
        "id": str(user.uuid),
        "email": user.email,
        "first_name": first,
        "last_name": last,
        "phone": None,
        "role": user.role.lower(),
        "is_active": user.is_active,
        "is_verified": False,
        "created_at": when,
        "updated_at": when,
    }


def token_json(pair: TokenPair) -> dict:
    return {"access_token": pair.access, "refresh_token": pair.refresh, "token_type": "bearer"}


class RegisterInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(min_length=8, max_length=100, trim_whitespace=False)
    first_name = serializers.CharField(min_length=1, max_length=100)
    last_name = serializers.CharField(min_length=1, max_length=100)
    phone = serializers.CharField(max_length=20, required=False, allow_null=True, allow_blank=True)


class LoginJsonInput(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class LoginFormInput(serializers.Serializer):
    username = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class RefreshInput(serializers.Serializer):
    refresh_token = serializers.CharField()
