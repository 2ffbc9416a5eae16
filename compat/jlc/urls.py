from compat.base import catch_all, route
from compat.jlc import views
from config import health
from config.api.views import UUID_PATTERN

app_name = "compat-jlc"
ID = rf"(?P<id>{UUID_PATTERN})"
LAP = rf"(?P<lap_id>{UUID_PATTERN})"

urlpatterns = [
    # JLC probes `<base URL without /api>/health` and hides its cloud features unless it is 2xx.
    route(r"health", health.liveness, name="health"),
    route(r"api/auth/signup", views.SignupView.as_view(), name="signup"),
    route(r"api/auth/login", views.LoginView.as_view(), name="login"),
    route(r"api/auth/refresh", views.RefreshView.as_view(), name="refresh"),
    route(r"api/auth/logout", views.LogoutView.as_view(), name="logout"),
    route(r"api/sessions", views.SessionListView.as_view(), name="sessions"),
    route(rf"api/sessions/{ID}", views.SessionDetailView.as_view(), name="session"),
    route(rf"api/sessions/{ID}/laps", views.LapListView.as_view(), name="laps"),
    route(rf"api/sessions/{ID}/laps/{LAP}", views.LapDetailView.as_view(), name="lap"),
    route(rf"api/images/sessions/{ID}/laps/{LAP}/upload", views.LapImageUploadView.as_view(), name="lap-image-upload"),
    route(rf"api/images/sessions/{ID}/laps/{LAP}", views.LapImageListView.as_view(), name="lap-images"),
    route(rf"api/images/sessions/{ID}", views.SessionImageListView.as_view(), name="session-images"),
    route(rf"api/images/(?P<image_id>{UUID_PATTERN})", views.ImageDeleteView.as_view(), name="image"),
    route(r"api/settings", views.SettingsView.as_view(), name="settings"),
    catch_all(),
]
