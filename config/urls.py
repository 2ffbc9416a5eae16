from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from accounts.console_login import console_login
from config import health
from config.api import docs

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("media.api.urls")),
    path("", include("tracking.api.urls")),
    path("", include("groups.api.urls")),
    path("", include("analytics.api.urls")),
    path("", include("scheduling.api.urls")),
    path("", include("leave.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.swagger_ui, name="swagger-ui"),
    path("redoc/", docs.redoc, name="redoc"),
]

urlpatterns = [
    path("", health.root, name="root"),
    re_path(r"^health/?$", health.liveness, name="health"),
    re_path(r"^healthz/?$", health.liveness, name="healthz"),
    re_path(r"^ready/?$", health.readiness, name="ready"),
    re_path(r"^health/db/?$", health.database, name="health-db"),
    re_path(r"^health/redis/?$", health.redis_health, name="health-redis"),
    path("api/v1/", include(api_v1)),
    # The seed clients' own contracts, one mount each (docs/clients.md); not in the published schema.
    path("compat/", include("compat.urls")),
    # The console's sign-in: the admin's own, plus the two-factor step (accounts/console_login.py).
    path("admin/login/", console_login, name="console-login"),
    path("admin/", admin.site.urls),
]
