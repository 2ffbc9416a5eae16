from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Notification, Role, User


def user_list(*, actor: User) -> QuerySet[User]:
    """Accounts `actor` may see: everyone for an ADMIN, their direct reports (and themself) for
    STAFF, only themself for a USER."""
    users = User.objects.select_related("manager", "avatar")
    if actor.role == Role.ADMIN:
        return users
    if actor.role == Role.STAFF:
        return users.filter(Q(manager=actor) | Q(pk=actor.pk))
    return users.filter(pk=actor.pk)


def notification_list(*, actor: User, unread: bool | None = None) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(user=actor)
    if unread is True:
        notifications = notifications.filter(read_at__isnull=True)
    elif unread is False:
        notifications = notifications.filter(read_at__isnull=False)
    return notifications
