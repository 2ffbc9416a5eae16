from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet

from accounts.models import Notification, Role, User
from config.errors import ValidationFailed


def user_list(*, actor: User) -> QuerySet[User]:
    """Accounts `actor` may see: everyone for an ADMIN, their direct reports (and themself) for
    STAFF, only themself for a USER."""
    users = User.objects.select_related("manager", "avatar")
    if actor.role == Role.ADMIN:
        return users
    if actor.role == Role.STAFF:
        return users.filter(Q(manager=actor) | Q(pk=actor.pk))
    return users.filter(pk=actor.pk)


def user_by_id(*, id: UUID, field: str) -> User:
    """The account with public id `id`, named in the input field `field` (a manager to set);
    a 400 on that field when there is none."""
    user = User.objects.filter(uuid=id).first()
    if user is None:
        raise ValidationFailed("No user with this id.", fields={field: ["No user with this id."]})
    return user


def notification_list(*, actor: User, unread: bool | None = None) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(user=actor)
    if unread is True:
        notifications = notifications.filter(read_at__isnull=True)
    elif unread is False:
        notifications = notifications.filter(read_at__isnull=False)
    return notifications
