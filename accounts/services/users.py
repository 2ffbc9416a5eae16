"""Profile changes by the user themself, and account administration by ADMINs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from accounts.models import Role, User, UserSettings
from accounts.services.auth import revoke_user_tokens
from accounts.services.verification import email_verification_queue
from accounts.tokens import TokenPair, issue_token_pair
from accounts.validators import check_location
from audit.models import Action
from audit.services import audit_record
from config.changes import check_changes
from config.errors import Conflict, PermissionDenied, ValidationFailed
from outbox.services import outbox_enqueue

PROFILE_FIELDS = ("display_name", "timezone", "country", "subdivision")
# What a user changes on their own account; email and password need the current password.
PROFILE_UPDATABLE = (*PROFILE_FIELDS, "email", "new_password")
# What an ADMIN changes on an account (the API and the staff console).
ADMIN_UPDATABLE = (*PROFILE_FIELDS, "email", "role", "manager", "is_active")


@transaction.atomic
def user_update_profile(
    *, actor: User, changes: Mapping[str, Any], current_password: str | None = None
) -> tuple[User, TokenPair | None]:
    """Apply a user's own profile change: `changes` holds any of PROFILE_UPDATABLE. Email and
    password changes need `current_password`.

    A new email address does not replace the current one yet: it is kept as `pending_email` and
    a verification link is sent to it (accounts.services.verification); the change takes effect
    when that link is used. Asking for the current address again withdraws a pending change.

    A password change ends every other session (tokens revoked) and returns a fresh pair for
    the caller; otherwise the pair is None."""
    check_changes(changes, PROFILE_UPDATABLE)
    user = User.objects.select_for_update().get(pk=actor.pk)
    email = User.objects.normalize_email(changes["email"]) if changes.get("email") is not None else None
    new_password = changes.get("new_password")
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
        _check_email_free(email, user)
        audit_record(
            actor=user, action=Action.USER_EMAIL_CHANGE_REQUEST, target=user, changes={"email": [user.email, email]}
        )
        user.pending_email = email
        email_verification_queue(user=user, address=email)
    elif email is not None and user.pending_email:
        audit_record(
            actor=user,
            action=Action.USER_EMAIL_CHANGE_REQUEST,
            target=user,
            changes={"pending_email": [user.pending_email, ""]},
        )
        user.pending_email = ""

    if new_password:
        _check_password(new_password, user, field="new_password")
        user.set_password(new_password)

    _save(user)

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


@transaction.atomic
def user_create_by_admin(
    *,
    actor: User,
    email: str,
    password: str | None,
    display_name: str = "",
    role: str = Role.USER,
    manager: User | None = None,
) -> User:
    """An account made by an ADMIN (the staff console), with default settings. `password`
    None makes an account that cannot sign in with a password (a password reset sets one).
    Audited as `user.create`; a verification link goes to the address."""
    _require_admin(actor)
    email = User.objects.normalize_email(email)
    candidate = User(email=email, display_name=display_name)
    if password is not None:
        _check_password(password, candidate, field="password")
    _check_email_free(email, None)
    if manager is not None:
        manager_check(user=None, manager=manager)
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password, role=role, display_name=display_name, manager=manager)
    except IntegrityError as exc:
        raise Conflict("An account with this email already exists.", code="email_taken") from exc
    UserSettings.objects.get_or_create(user=user)
    audit_record(actor=actor, action=Action.USER_CREATE, target=user, changes={"role": user.role})
    email_verification_queue(user=user, address=user.email)  # the person proves the address is theirs
    return user


@transaction.atomic
def user_update_by_admin(*, actor: User, user: User, changes: Mapping[str, Any]) -> User:
    """An ADMIN's change to an account: `changes` holds any of ADMIN_UPDATABLE (`manager`
    None removes the manager).

    Locks the target row. The last active ADMIN cannot be demoted or deactivated. Deactivating
    an account revokes its tokens. A role change is recorded as `user.role_change`, the other
    changes together as one `user.admin_update`."""
    check_changes(changes, ADMIN_UPDATABLE)
    _require_admin(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    role = changes.get("role")
    is_active = changes.get("is_active")

    losing_admin = user.role == Role.ADMIN and (
        (role is not None and role != Role.ADMIN) or (is_active is False and user.is_active)
    )
    if losing_admin:
        admins = User.objects.select_for_update().filter(role=Role.ADMIN, is_active=True)
        if not admins.exclude(pk=user.pk).exists():
            raise Conflict("This is the last active ADMIN; promote another account first.", code="last_admin")

    diff: dict[str, list] = {}
    if role is not None and role != user.role:
        diff["role"] = [user.role, role]
        user.apply_role(role)
    if "manager" in changes and changes["manager"] != user.manager:
        manager = changes["manager"]
        if manager is not None:
            manager_check(user=user, manager=manager)
        diff["manager"] = [_email(user.manager), _email(manager)]
        user.manager = manager
    if is_active is not None and is_active != user.is_active:
        diff["is_active"] = [user.is_active, is_active]
        user.is_active = is_active
    old_email = user.email
    if changes.get("email") is not None:
        email = User.objects.normalize_email(changes["email"])
        if email != user.email:
            _check_email_free(email, user)
            diff["email"] = [user.email, email]
            # An address an ADMIN types in is not verified: a link goes to it, the old one is told.
            user.email, user.email_verified, user.pending_email = email, False, ""
    for field in PROFILE_FIELDS:
        if field in changes and changes[field] != getattr(user, field):
            _check_field(field, changes[field])
            diff[field] = [getattr(user, field), changes[field]]
            setattr(user, field, changes[field])
    if "country" in diff or "subdivision" in diff:
        check_location(user.country, user.subdivision)

    if not diff:
        return user
    _save(user)
    if "role" in diff:
        audit_record(actor=actor, action=Action.USER_ROLE_CHANGE, target=user, changes={"role": diff["role"]})
    other = {k: v for k, v in diff.items() if k != "role"}
    if other:
        audit_record(actor=actor, action=Action.USER_ADMIN_UPDATE, target=user, changes=other)
    if diff.get("is_active") == [True, False]:
        revoke_user_tokens(user)
    if "email" in diff:
        email_verification_queue(user=user, address=user.email)
        outbox_enqueue("accounts.tasks.send_email_changed_notice_task", old_email, user.email)
    return user


@transaction.atomic
def user_password_reset_by_admin(*, actor: User, user: User) -> int:
    """What follows an ADMIN setting someone's password in the staff console (Django's password
    form writes the hash): every session of the account ends, and it is audited. Returns how
    many refresh tokens were revoked."""
    _require_admin(actor)
    revoked = revoke_user_tokens(user)
    audit_record(actor=actor, action=Action.USER_PASSWORD_RESET_BY_ADMIN, target=user)
    return revoked


def manager_check(*, user: User | None, manager: User) -> None:
    """Refuse `manager` as the manager of `user` (None: an account being created): it must be
    another account, STAFF or ADMIN. ValidationFailed on the `manager` field."""
    if user is not None and manager.pk == user.pk:
        raise ValidationFailed("A user cannot be their own manager.", fields={"manager": ["Cannot be the user."]})
    if not manager.is_staff_role:
        raise ValidationFailed("A manager must be STAFF or ADMIN.", fields={"manager": ["Must be STAFF or ADMIN."]})


def _require_admin(actor: User) -> None:
    if not actor.is_admin_role:
        raise PermissionDenied("Only an ADMIN can change accounts.")


def _check_email_free(email: str, user: User | None) -> None:
    others = User.objects.filter(email=email)
    if user is not None:
        others = others.exclude(pk=user.pk)
    if others.exists():
        raise Conflict("An account with this email already exists.", code="email_taken", fields={"email": ["Taken."]})


def _check_password(password: str, user: User, *, field: str) -> None:
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ValidationFailed(exc.messages[0], fields={field: exc.messages}) from exc


def _check_field(name: str, value: Any) -> None:
    """The model field's own validators (time zone, country code), as the API's error."""
    try:
        User._meta.get_field(name).run_validators(value)
    except DjangoValidationError as exc:
        raise ValidationFailed(exc.messages[0], fields={name: exc.messages}) from exc


def _save(user: User) -> None:
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise Conflict("An account with this email already exists.", code="email_taken") from exc


def _email(user: User | None) -> str | None:
    return user.email if user is not None else None
