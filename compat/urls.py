"""The client adapters, one mount each (docs/clients.md). Included by config/urls.py at /compat/."""

from django.urls import include, path

urlpatterns = [
    path("jlc/", include("compat.jlc.urls")),
    path("c3po/", include("compat.c3po.urls")),
    path("logger/", include("compat.logger.urls")),
]
