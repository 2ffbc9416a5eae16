from django.urls import path
from rest_framework.routers import SimpleRouter

from scheduling.api import views

app_name = "scheduling"

router = SimpleRouter()
router.register("services", views.ServiceViewSet, basename="service")
router.register("staff", views.StaffAvailabilityViewSet, basename="staff")
router.register("appointments", views.AppointmentViewSet, basename="appointment")

urlpatterns = [
    path("slots/", views.SlotsView.as_view(), name="slots"),
    *router.urls,
]
