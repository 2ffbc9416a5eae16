from django.urls import path
from rest_framework.routers import SimpleRouter

from groups.api import views

app_name = "groups"

router = SimpleRouter()
router.register("groups", views.GroupViewSet, basename="group")
router.register("invites", views.InviteViewSet, basename="invite")
# Only `sessions/{id}/join/` and `sessions/{id}/leave/`: tracking's router serves the rest of
# `sessions/` and matches first (config/urls.py includes tracking before groups).
router.register("sessions", views.GroupSessionViewSet, basename="group-session")

urlpatterns = [
    path(
        "maintenance/archive-expired-groups/",
        views.ArchiveExpiredGroupsView.as_view(),
        name="maintenance-archive-expired-groups",
    ),
    *router.urls,
]
