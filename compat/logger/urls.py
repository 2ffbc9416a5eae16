from compat.base import catch_all, route
from compat.logger import views
from config.api.views import UUID_PATTERN

app_name = "compat-logger"

urlpatterns = [
    route(r"api/auth/register", views.RegisterView.as_view(), name="register"),
    route(r"api/auth/login", views.LoginView.as_view(), name="login"),
    route(r"api/auth/refresh", views.RefreshView.as_view(), name="refresh"),
    route(r"api/auth/logout", views.LogoutView.as_view(), name="logout"),
    route(r"api/auth/me", views.MeView.as_view(), name="me"),
    route(r"api/time-entries", views.EntryListView.as_view(), name="time-entries"),
    route(rf"api/time-entries/(?P<id>{UUID_PATTERN})", views.EntryDetailView.as_view(), name="time-entry"),
    catch_all(),
]
