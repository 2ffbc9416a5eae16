"""Profile changes by the user themself, and account administration by ADMINs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
    is_active: bool = True,
) -> User:
    """An account made by an ADMIN (the staff console, a client's admin page, an import), with
    default settings. `password` None makes an account that cannot sign in with a password (a
    password reset sets one); `is_active` False one that cannot sign in until activated.
    Audited as one `user.create`; a verification link goes to the address."""
    _require_admin(actor)
    email = User.objects.normalize_email(email)
    _new_account_check(email=email, password=password, display_name=display_name)
    if manager is not None:
        manager_check(user=None, manager=manager)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email, password, role=role, display_name=display_name, manager=manager, is_active=is_active
            )
    except IntegrityError as exc:
        raise Conflict("An account with this email already exists.", code="email_taken") from exc
    UserSettings.objects.get_or_create(user=user)
    changes = {"role": user.role} if is_active else {"role": user.role, "is_active": False}
    audit_record(actor=actor, action=Action.USER_CREATE, target=user, changes=changes)
    email_verification_queue(user=user, address=user.email)  # the person proves the address is theirs
    return user


# At most this many accounts per import: each password is hashed (Argon2, about 0.2 s on one
# core), and the import answers within one request (the server's worker timeout is 30 s).
IMPORT_MAX_ROWS = 100
# At most this many bad rows are named in a refusal.
IMPORT_MAX_PROBLEMS = 20


@dataclass(frozen=True)
class NewUser:
    """One account of an import. `row` is how the caller names it in errors (a file's line
    number); by default its position in the list, from 1."""

    email: str
    password: str | None
    display_name: str = ""
    role: str = Role.USER
    is_active: bool = True
    row: int | None = None


@transaction.atomic
def users_import_by_admin(*, actor: User, rows: Sequence[NewUser]) -> list[User]:
    """Many accounts made by an ADMIN at once, all or none: each exactly as
    `user_create_by_admin` makes one (password validators, a free address, one `user.create`
    audit row, a verification link).

    Every row is checked before any is created (no password is hashed for an import that will
    be refused): an address twice in `rows`, a taken one, a refused password or an unknown role
    is a ValidationFailed (`import_invalid`, 400) naming each bad row (up to
    IMPORT_MAX_PROBLEMS), and nothing is created. More than IMPORT_MAX_ROWS rows, or none, is a
    ValidationFailed (`import_too_large`, `import_empty`) before any check."""
    _require_admin(actor)
    if not rows:
        raise ValidationFailed("There are no accounts to create.", code="import_empty")
    if len(rows) > IMPORT_MAX_ROWS:
        raise ValidationFailed(
            f"At most {IMPORT_MAX_ROWS} accounts can be imported at once; this has {len(rows)}.",
            code="import_too_large",
        )
    labelled = [(row.row if row.row is not None else number, row) for number, row in enumerate(rows, 1)]
    problems: dict[int, str] = {}
    first_row: dict[str, int] = {}
    for label, row in labelled:
        email = User.objects.normalize_email(row.email)
        try:
            if email in first_row:
                raise ValidationFailed(f"{email} is also on row {first_row[email]}.")
            first_row[email] = label
            if row.role not in Role.values:
                raise ValidationFailed(f"Not a role: {row.role!r}.")
            _new_account_check(email=email, password=row.password, display_name=row.display_name)
        except (ValidationFailed, Conflict) as exc:
            problems[label] = exc.message
    if not problems:
        created = []
        for label, row in labelled:
            try:
                created.append(
                    user_create_by_admin(
                        actor=actor,
                        email=row.email,
                        password=row.password,
                        display_name=row.display_name,
                        role=row.role,
                        is_active=row.is_active,
                    )
                )
            except (ValidationFailed, Conflict) as exc:  # an address taken meanwhile
                problems[label] = exc.message
                break
        if not problems:
            return created
    lines = [f"Row {label}: {message}" for label, message in sorted(problems.items())[:IMPORT_MAX_PROBLEMS]]
    if len(problems) > IMPORT_MAX_PROBLEMS:
        lines.append(f"... and {len(problems) - IMPORT_MAX_PROBLEMS} more rows.")
    # Raised out of the transaction: whatever was created before a late refusal is rolled back.
    raise ValidationFailed("Nothing was imported. " + " ".join(lines), code="import_invalid", fields={"rows": lines})


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


def _new_account_check(*, email: str, password: str | None, display_name: str) -> None:
    """What a new account's address and password must pass (normalized `email`)."""
    if password is not None:
        _check_password(password, User(email=email, display_name=display_name), field="password")
    _check_email_free(email, None)


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
