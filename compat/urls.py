"""The client adapters, one mount each (docs/clients.md). Included by config/urls.py at /compat/."""

from django.urls import include, path

urlpatterns = [
    path("jlc/", include("compat.jlc.urls")),
    path("timetracker/", include("compat.timetracker.urls")),
    path("lockin/", include("compat.lockin.urls")),
    path("c3po/", include("compat.c3po.urls")),
    path("logger/", include("compat.logger.urls")),
]
