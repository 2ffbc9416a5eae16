"""Profile changes by the user themself, and account administration by ADMINs."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from accounts.models import Role, User
from accounts.services.auth import revoke_user_tokens
from accounts.tokens import TokenPair, issue_token_pair
from accounts.validators import check_location
from audit.models import Action
from audit.services import audit_record
from config.errors import Conflict, PermissionDenied, ValidationFailed

PROFILE_FIELDS = ("display_name", "timezone", "country", "subdivision")


@transaction.atomic
def user_update_profile(
    *,
    actor: User,
    changes: dict[str, Any],
    email: str | None = None,
    new_password: str | None = None,
    current_password: str | None = None,
) -> tuple[User, TokenPair | None]:
    """Apply a user's own profile change. Email and password changes need the current password.

    A password change ends every other session (tokens revoked) and returns a fresh pair for
    the caller; otherwise the pair is None."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    email = User.objects.normalize_email(email) if email is not None else None
    sensitive = (email is not None and email != user.email) or bool(new_password)
    if sensitive:
        if not current_password:
            raise ValidationFailed(
                "Your current password is required to change email or password.",
                fields={"current_password": ["Required to change email or password."]},
            )
        if not user.check_password(current_password):
            raise ValidationFailed(
                "Your current password is not correct.",
                fields={"current_password": ["Not correct."]},
            )

    before = {field: getattr(user, field) for field in PROFILE_FIELDS}
    for field in PROFILE_FIELDS:
        if field in changes:
            setattr(user, field, changes[field])
    check_location(user.country, user.subdivision)
    profile_changes = {f: [before[f], getattr(user, f)] for f in PROFILE_FIELDS if before[f] != getattr(user, f)}

    if email is not None and email != user.email:
        if User.objects.filter(email=email).exclude(pk=user.pk).exists():
            raise Conflict(
                "An account with this email already exists.", code="email_taken", fields={"email": ["Taken."]}
            )
        audit_record(actor=user, action=Action.USER_EMAIL_CHANGE, target=user, changes={"email": [user.email, email]})
        user.email = email

    if new_password:
        try:
            validate_password(new_password, user=user)
        except DjangoValidationError as exc:
            raise ValidationFailed(exc.messages[0], fields={"new_password": exc.messages}) from exc
        user.set_password(new_password)

    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise Conflict("An account with this email already exists.", code="email_taken") from exc

    if profile_changes:
        audit_record(actor=user, action=Action.USER_PROFILE_UPDATE, target=user, changes=profile_changes)
    pair = None
    if new_password:
        revoked = revoke_user_tokens(user)
        audit_record(
            actor=user, action=Action.USER_PASSWORD_CHANGE, target=user, changes={"refresh_tokens_revoked": revoked}
        )
        pair = issue_token_pair(user)
    return user, pair


_UNSET = object()


@transaction.atomic
def user_update_by_admin(
    *,
    actor: User,
    user: User,
    role: str | None = None,
    manager: User | None | object = _UNSET,
    is_active: bool | None = None,
    display_name: str | None = None,
) -> User:
    """ADMIN-only account changes: role, manager, activation, display name.

    Locks the target row. The last active ADMIN cannot be demoted or deactivated. Deactivating
    an account revokes its tokens."""
    if not actor.is_admin_role:
        raise PermissionDenied("Only an ADMIN can change accounts.")
    user = User.objects.select_for_update().get(pk=user.pk)
    changes: dict[str, list] = {}

    losing_admin = user.role == Role.ADMIN and (
        (role is not None and role != Role.ADMIN) or (is_active is False and user.is_active)
    )
    if losing_admin:
        admins = User.objects.select_for_update().filter(role=Role.ADMIN, is_active=True)
        if not admins.exclude(pk=user.pk).exists():
            raise Conflict("This is the last active ADMIN; promote another account first.", code="last_admin")

    if role is not None and role != user.role:
        changes["role"] = [user.role, role]
        user.apply_role(role)
    if manager is not _UNSET and manager != user.manager:
        if manager is not None:
            if manager.pk == user.pk:
                raise ValidationFailed(
                    "A user cannot be their own manager.", fields={"manager": ["Cannot be the user."]}
                )
            if not manager.is_staff_role:
                raise ValidationFailed(
                    "A manager must be STAFF or ADMIN.", fields={"manager": ["Must be STAFF or ADMIN."]}
                )
        changes["manager"] = [_email(user.manager), _email(manager)]
        user.manager = manager
    if is_active is not None and is_active != user.is_active:
        changes["is_active"] = [user.is_active, is_active]
        user.is_active = is_active
    if display_name is not None and display_name != user.display_name:
        changes["display_name"] = [user.display_name, display_name]
        user.display_name = display_name

    if not changes:
        return user
    user.save()
    if "role" in changes:
        audit_record(actor=actor, action=Action.USER_ROLE_CHANGE, target=user, changes={"role": changes["role"]})
    other = {k: v for k, v in changes.items() if k != "role"}
    if other:
        audit_record(actor=actor, action=Action.USER_ADMIN_UPDATE, target=user, changes=other)
    if changes.get("is_active") == [True, False]:
        revoke_user_tokens(user)
    return user


def _email(user: User | None) -> str | None:
    return user.email if user is not None else None
