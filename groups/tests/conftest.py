import pytest

from accounts.models import Notification
from tracking.tests.conftest import clock  # noqa: F401  (the services' clock, moved by hand)


@pytest.fixture
def inbox():
    """`inbox(user)`: the kinds of notifications `user` received, oldest first."""

    def kinds(user) -> list[str]:
        return list(Notification.objects.filter(user=user).order_by("created_at", "id").values_list("kind", flat=True))

    return kinds
