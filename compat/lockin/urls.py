from compat.base import catch_all, route
from compat.lockin import views
from config import health
from config.api.views import UUID_PATTERN

app_name = "compat-lockin"
ID = rf"(?P<id>{UUID_PATTERN})"

# LockIN's commands are literal `:action` suffixes of the path (`/api/groups/{id}:clone`).
urlpatterns = [
    route(r"health", health.liveness, name="health"),
    route(r"api/healthz", health.liveness, name="healthz"),
    route(r"api/me", views.MeView.as_view(), name="me"),
    route(r"api/groups", views.GroupsView.as_view(), name="groups"),
    route(rf"api/groups/{ID}", views.GroupView.as_view(), name="group"),
    route(rf"api/groups/{ID}:clone", views.GroupCloneView.as_view(), name="group-clone"),
    route(rf"api/groups/{ID}:invite", views.GroupInviteView.as_view(), name="group-invite"),
    route(rf"api/groups/{ID}/members", views.GroupMembersView.as_view(), name="group-members"),
    route(
        rf"api/groups/{ID}/members/(?P<membership_id>{UUID_PATTERN})",
        views.GroupMemberView.as_view(),
        name="group-member",
    ),
    route(rf"api/groups/{ID}/progress/current", views.GroupProgressView.as_view(), name="group-progress"),
    route(r"api/sessions", views.SessionsView.as_view(), name="sessions"),
    route(rf"api/sessions/{ID}", views.SessionView.as_view(), name="session"),
    route(rf"api/sessions/{ID}:status", views.SessionStatusView.as_view(), name="session-status"),
    route(rf"api/sessions/{ID}:(?P<command>start|pause|resume|stop)", views.SessionCommandView.as_view()),
    route(rf"api/sessions/{ID}/participants", views.SessionParticipantsView.as_view(), name="participants"),
    route(rf"api/sessions/{ID}/logs", views.SessionLogsView.as_view(), name="logs"),
    route(r"api/notifications", views.NotificationsView.as_view(), name="notifications"),
    route(rf"api/notifications/{ID}", views.NotificationView.as_view(), name="notification"),
    route(rf"api/notifications/{ID}:read", views.NotificationReadView.as_view(), name="notification-read"),
    route(rf"api/notifications/{ID}:(?P<answer>accept|decline)", views.NotificationAnswerView.as_view()),
    route(rf"api/invites/{ID}:(?P<answer>accept|decline)", views.InviteAnswerView.as_view()),
    route(r"api/maintenance/archive-expired-groups", views.ArchiveExpiredView.as_view(), name="archive-expired"),
    catch_all(),
]
