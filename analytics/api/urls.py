from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from analytics.api import views

app_name = "analytics"

router = SimpleRouter()
router.register("reports/exports", views.ExportJobViewSet, basename="export")
router.register("reports/shares", views.ReportShareViewSet, basename="report-share")

urlpatterns = [
    path("reports/summary/", views.SummaryReportView.as_view(), name="report-summary"),
    path("reports/detailed/", views.DetailedReportView.as_view(), name="report-detailed"),
    path("reports/weekly/", views.WeeklyReportView.as_view(), name="report-weekly"),
    path("reports/time-account/", views.TimeAccountView.as_view(), name="report-time-account"),
    path("reports/compliance/", views.ComplianceReportView.as_view(), name="report-compliance"),
    path("reports/export/", views.ExportView.as_view(), name="report-export"),
    re_path(
        r"^reports/shared/(?P<token>[A-Za-z0-9_-]{20,100})/$", views.SharedReportView.as_view(), name="report-shared"
    ),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("calendar/feed/", views.CalendarFeedView.as_view(), name="calendar-feed"),
    path("calendar/feed/rotate/", views.CalendarFeedRotateView.as_view(), name="calendar-feed-rotate"),
    # The API's path middleware adds the trailing slash to `/api/v1/calendar/<token>.ics`.
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{20,100})\.ics/$", views.CalendarFileView.as_view(), name="calendar-file"
    ),
    *router.urls,
]
