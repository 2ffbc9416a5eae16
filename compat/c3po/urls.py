from compat.base import catch_all, route
from compat.c3po import views

app_name = "compat-c3po"

urlpatterns = [
    route(r"api/v1/auth/register", views.RegisterView.as_view(), name="register"),
    route(r"api/v1/auth/login/json", views.LoginJsonView.as_view(), name="login-json"),
    route(r"api/v1/auth/login", views.LoginFormView.as_view(), name="login"),
    route(r"api/v1/auth/refresh", views.RefreshView.as_view(), name="refresh"),
    route(r"api/v1/auth/logout", views.LogoutView.as_view(), name="logout"),
    route(r"api/v1/auth/me", views.MeView.as_view(), name="me"),
    catch_all(),
]
