from compat.base import catch_all, route
from compat.timetracker import views
from config.api.views import UUID_PATTERN

app_name = "compat-timetracker"
ID = rf"(?P<id>{UUID_PATTERN})"
V1 = "api/v1"

urlpatterns = [
    route(rf"{V1}/auth/login", views.LoginView.as_view(), name="login"),
    route(rf"{V1}/auth/refresh", views.RefreshView.as_view(), name="refresh"),
    route(rf"{V1}/users/me", views.MeView.as_view(), name="me"),
    route(rf"{V1}/time-entries", views.EntryListView.as_view(), name="time-entries"),
    route(rf"{V1}/time-entries/{ID}", views.EntryDetailView.as_view(), name="time-entry"),
    route(rf"{V1}/leave-requests", views.LeaveListView.as_view(), name="leave-requests"),
    route(rf"{V1}/leave-requests/{ID}", views.LeaveDetailView.as_view(), name="leave-request"),
    route(rf"{V1}/leave-requests/{ID}/action", views.LeaveActionView.as_view(), name="leave-request-action"),
    route(rf"{V1}/analytics/dashboard", views.DashboardView.as_view(), name="dashboard"),
    route(rf"{V1}/admin/users", views.AdminUsersView.as_view(), name="admin-users"),
    route(rf"{V1}/admin/users/bulk-import", views.AdminUserImportView.as_view(), name="admin-user-import"),
    route(rf"{V1}/admin/users/{ID}", views.AdminUserView.as_view(), name="admin-user"),
    route(rf"{V1}/admin/time-entries/pending", views.AdminPendingEntriesView.as_view(), name="admin-pending-entries"),
    route(rf"{V1}/admin/leave-requests/pending", views.AdminPendingLeaveView.as_view(), name="admin-pending-leave"),
    # The client calls the first; its original backend served the second.
    route(rf"{V1}/analytics/admin/compliance/working-time", views.ComplianceView.as_view(), name="compliance"),
    route(rf"{V1}/admin/compliance/working-time", views.ComplianceView.as_view()),
    catch_all(),
]
