from django.urls import path
from rest_framework.routers import SimpleRouter

from leave.api import views

app_name = "leave"

router = SimpleRouter()
router.register("holidays", views.HolidayViewSet, basename="holiday")
router.register("leave/types", views.LeaveTypeViewSet, basename="leave-type")
router.register("leave/requests", views.LeaveRequestViewSet, basename="leave-request")

urlpatterns = [
    path("work-pattern/", views.WorkPatternView.as_view(), name="work-pattern"),
    path("leave/balances/", views.BalancesView.as_view(), name="leave-balances"),
    path("leave/ledger/", views.LedgerView.as_view(), name="leave-ledger"),
    path("leave/allocations/", views.AllocationView.as_view(), name="leave-allocations"),
    path("leave/calendar/", views.CalendarView.as_view(), name="leave-calendar"),
    *router.urls,
]
