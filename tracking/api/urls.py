from django.urls import path
from rest_framework.routers import SimpleRouter

from tracking.api import views

app_name = "tracking"

router = SimpleRouter()
router.register("projects", views.ProjectViewSet, basename="project")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("time-entries", views.TimeEntryViewSet, basename="time-entry")
router.register("sessions", views.SessionViewSet, basename="session")

urlpatterns = [
    path("compliance/", views.ComplianceView.as_view(), name="compliance"),
    path("images/upload/", views.LapImageUploadView.as_view(), name="lap-image-upload"),
    *router.urls,
]
