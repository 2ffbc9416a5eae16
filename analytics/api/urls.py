from django.urls import path
from rest_framework.routers import SimpleRouter

from analytics.api import views

app_name = "analytics"

router = SimpleRouter()
router.register("reports/exports", views.ExportJobViewSet, basename="export")

urlpatterns = [
    path("reports/summary/", views.SummaryReportView.as_view(), name="report-summary"),
    path("reports/detailed/", views.DetailedReportView.as_view(), name="report-detailed"),
    path("reports/weekly/", views.WeeklyReportView.as_view(), name="report-weekly"),
    path("reports/compliance/", views.ComplianceReportView.as_view(), name="report-compliance"),
    path("reports/export/", views.ExportView.as_view(), name="report-export"),
    *router.urls,
]
