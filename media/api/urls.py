from django.urls import path
from rest_framework.routers import SimpleRouter

from media.api import views

app_name = "media"

router = SimpleRouter()
router.register("images", views.ImageViewSet, basename="image")

urlpatterns = [
    path("media/files/<path:key>/", views.signed_file, name="signed-file"),
    *router.urls,
]
