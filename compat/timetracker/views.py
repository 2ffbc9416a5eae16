"""Time Tracker's calls. Paths carry no trailing slash in the client; both forms are served.
Lists are plain arrays. Its login, token storage and profile page are missing from the client's
repository: they follow its backend (OAuth2 form login, `/users/me`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.permissions import IsAdminRole
from accounts.selectors import user_list
from accounts.services.auth import auth_login, token_refresh
from accounts.services.users import (
    user_create_by_admin,
    user_update_by_admin,
    user_update_profile,
    users_import_by_admin,
)
from analytics.selectors.compliance import team_compliance
from analytics.selectors.scope import user_zone
from analytics.selectors.time_account import time_account
from compat.base import CompatView, PublicView, error_code, parse
from compat.timetracker import translators as t
from config.api.parsers import JSONParser
from config.api.queries import check_window
from config.api.ratelimit import limit_by_account, limit_by_ip, limit_refresh
from config.errors import NotFound, ValidationFailed
from leave.models import RequestStatus
from leave.selectors.balances import leave_balances
from leave.selectors.requests import leave_request_list, leave_type_by_code
from leave.services import requests as leave
from media.errors import PayloadTooLarge
from media.services import MULTIPART_OVERHEAD_BYTES
from tracking import selectors
from tracking.compliance import MAX_REPORT_DAYS
from tracking.services import entries


class LoginView(PublicView):
    """The OAuth2 password form (`username` is the e-mail); JSON is accepted too."""

    parser_classes = [FormParser, JSONParser]

    def post(self, request):
        limit_by_ip(request, group="login", rate=settings.RATE_LIMIT_LOGIN_IP)
        data = parse(t.LoginInput, request.data)
        limit_by_account(request, group="login", rate=settings.RATE_LIMIT_LOGIN_ACCOUNT, account=data["username"])
        _, pair = auth_login(email=data["username"], password=data["password"])
        return Response({"access_token": pair.access, "token_type": "bearer", "refresh_token": pair.refresh})

    def translate_error(self, exc, response):
        if error_code(exc) == "invalid_credentials":
            response.data = {"detail": "Incorrect email or password"}


class RefreshView(PublicView):
    """Rotates, as the canonical refresh does: the answer's refresh token replaces the one sent."""

    def post(self, request):
        check = limit_refresh(request)
        raw = parse(t.RefreshInput, request.data)["refresh_token"]

        pair = token_refresh(raw_refresh=raw, check_claims=check).pair
        return Response({"access_token": pair.access, "token_type": "bearer", "refresh_token": pair.refresh})

    def translate_error(self, exc, response):
        if response.status_code == 401:
            response.data = {"detail": "Could not validate credentials"}


class TrackerView(CompatView):
    permission_classes = [IsAuthenticated]

    def translate_error(self, exc, response):
        code = error_code(exc)
        if code == "timer_running":
            response.data = {"detail": "A timer is already running; stop it first."}
        elif code == "overlap" and "conflicting_request" in getattr(exc, "extra", {}):
            response.status_code = status.HTTP_400_BAD_REQUEST
            response.data = {"detail": "You already have a leave request for this period"}
        elif code == "validation_error":
            response.status_code = status.HTTP_422_UNPROCESSABLE_ENTITY

    def window(self, query, default_month: bool = True) -> tuple[date, date]:
        """`start_date`..`end_date` (both days included), by default the current month, in the
        user's zone; at most MAX_REPORT_DAYS long."""
        today = timezone.now().astimezone(user_zone(self.request.user)).date()
        first = query.get("start_date") or today.replace(day=1)
        last = query.get("end_date") or (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        zone = user_zone(self.request.user)
        check_window(
            datetime.combine(first, time.min, tzinfo=zone),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
            max_days=MAX_REPORT_DAYS,
        )
        return first, last


# --- profile --------------------------------------------------------------------------------


class MeView(TrackerView):
    def get(self, request):
        return Response(t.user_json(request.user))

    def patch(self, request):
        data = parse(t.ProfileInput, request.data)
        changes = {"display_name": data["full_name"]} if "full_name" in data else {}
        user, _ = user_update_profile(actor=request.user, changes=changes)
        return Response(t.user_json(user))


# --- time entries ---------------------------------------------------------------------------


class EntryListView(TrackerView):
    def get(self, request):
        """Your entries that start or end within the days asked (`end_date` included), oldest first."""
        first, last = self.window(parse(t.DateWindowQuery, request.query_params))
        zone = user_zone(request.user)
        start = datetime.combine(first, time.min, tzinfo=zone)
        end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone)
        found = selectors.time_entry_list(actor=request.user).filter(user=request.user, start__lt=end)
        found = found.exclude(end__isnull=False, end__lte=start).order_by("start", "id")
        return Response([t.entry_json(entry) for entry in found])

    def post(self, request):
        """Without `end_time`: Timekeep's running timer (one at a time)."""
        data = parse(t.EntryInput, request.data)
        entry, _ = entries.time_entry_create(
            actor=request.user, start=data["start_time"], end=data.get("end_time"), notes=data.get("description") or ""
        )
        return Response(t.entry_json(entry))


class EntryDetailView(TrackerView):
    def entry(self, request, id):
        found = selectors.time_entry_list(actor=request.user).filter(user=request.user, uuid=id).first()
        if found is None:
            raise NotFound("Time entry not found")
        return found

    def get(self, request, id):
        return Response(t.entry_json(self.entry(request, id)))

    def patch(self, request, id):
        entry = self.entry(request, id)
        data = parse(t.EntryPatchInput, request.data)
        names = {"start_time": "start", "end_time": "end"}
        changes = {names[key]: value for key, value in data.items() if key in names}
        if "description" in data:
            changes["notes"] = data["description"] or ""
        entry, _ = entries.time_entry_update(actor=request.user, entry=entry, changes=changes)
        return Response(t.entry_json(entry))

    def delete(self, request, id):
        entry = self.entry(request, id)
        body = t.entry_json(entry)
        entries.time_entry_delete(actor=request.user, entry=entry)
        return Response(body)


# --- leave ----------------------------------------------------------------------------------


def _own_requests(request):
    return leave_request_list(actor=request.user).filter(user=request.user)


class LeaveListView(TrackerView):
    def get(self, request):
        query = parse(t.LeaveListQuery, request.query_params)
        found = _own_requests(request).order_by("-created_at", "-id")
        if query.get("status"):
            found = found.filter(status=t.STATUSES_IN[query["status"]])
        page = found[query["skip"] : query["skip"] + query["limit"]]
        return Response([t.leave_json(item) for item in page])

    def post(self, request):
        data = parse(t.LeaveInput, request.data)
        decision = leave.leave_request_submit(
            actor=request.user,
            leave_type=leave_type_by_code(code=t.LEAVE_TYPES[data["leave_type"]], field="leave_type"),
            start_date=data["start_date"],
            end_date=data["end_date"],
            reason=data.get("reason") or "",
        )
        return Response(t.leave_json(decision.request))


class LeaveDetailView(TrackerView):
    def leave_request(self, request, id):
        found = _own_requests(request).filter(uuid=id).first()
        if found is None:
            raise NotFound("Leave request not found")
        return found

    def get(self, request, id):
        return Response(t.leave_json(self.leave_request(request, id)))

    def patch(self, request, id):
        """Dates and reason of a pending request; its type stays (as in the original)."""
        item = self.leave_request(request, id)
        data = parse(t.LeavePatchInput, request.data)
        changes = {key: data[key] for key in ("start_date", "end_date") if key in data}
        if "reason" in data:
            changes["reason"] = data["reason"] or ""
        return Response(t.leave_json(leave.leave_request_update(actor=request.user, request=item, changes=changes)))

    def delete(self, request, id):
        """A pending request is withdrawn; an approved one is cancelled (its days come back)."""
        item = self.leave_request(request, id)
        if item.status == RequestStatus.PENDING:
            body = {**t.leave_json(item), "status": "canceled"}
            leave.leave_request_delete(actor=request.user, request=item)
            return Response(body)
        return Response(t.leave_json(leave.leave_request_cancel(actor=request.user, request=item)))


class LeaveActionView(TrackerView):
    """Approve or reject (the requester's manager or an ADMIN, as leave decides)."""

    def post(self, request, id):
        item = leave_request_list(actor=request.user).filter(uuid=id).first()
        if item is None:
            raise NotFound("Leave request not found")
        data = parse(t.LeaveActionInput, request.data)
        if data["status"] == "approved":
            item = leave.leave_request_approve(actor=request.user, request=item).request
        else:
            item = leave.leave_request_reject(actor=request.user, request=item, note=data.get("rejection_reason") or "")
        return Response(t.leave_json(item))


# --- dashboard and admin --------------------------------------------------------------------


class DashboardView(TrackerView):
    def get(self, request):
        first, last = self.window(parse(t.DateWindowQuery, request.query_params))
        account = time_account(actor=request.user, start=first, end=last)
        balances = leave_balances(user=request.user, year=last.year)
        return Response(t.dashboard_json(account, balances))


class AdminUsersView(TrackerView):
    permission_classes = [IsAuthenticated, IsAdminRole]

    def get(self, request):
        return Response([t.user_json(user) for user in user_list(actor=request.user).order_by("email")])

    def post(self, request):
        data = parse(t.AdminUserInput, request.data)
        user = user_create_by_admin(
            actor=request.user,
            email=data["email"],
            password=data["password"],
            display_name=data["full_name"],
            role=t.ROLES_IN[data["role"]],
            is_active=data["is_active"],
        )
        return Response(t.user_json(user))


class AdminUserImportView(TrackerView):
    """The user management page's bulk import: a CSV file of accounts, created all or none by
    accounts (each as the single create above makes one); answers the created users as the
    list does. Every bad row is a 400 naming it."""

    permission_classes = [IsAuthenticated, IsAdminRole]
    parser_classes = [MultiPartParser]

    def post(self, request):
        if _content_length(request) > t.IMPORT_MAX_BYTES + MULTIPART_OVERHEAD_BYTES:  # before reading the body
            raise PayloadTooLarge(f"The file is larger than {t.IMPORT_MAX_BYTES} bytes.", code="file_too_large")
        rows = t.import_rows(parse(t.ImportInput, request.data)["file"])
        return Response([t.user_json(user) for user in users_import_by_admin(actor=request.user, rows=rows)])


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0  # Django's parser refuses a malformed length


class AdminUserView(TrackerView):
    permission_classes = [IsAuthenticated, IsAdminRole]

    def get(self, request, id):
        return Response(t.user_json(self.user(request, id)))

    def user(self, request, id):
        found = user_list(actor=request.user).filter(uuid=id).first()
        if found is None:
            raise NotFound("User not found")
        return found

    def patch(self, request, id):
        """Name, e-mail, activation and role (`normal` leaves a STAFF member STAFF). Timekeep
        does not let an ADMIN choose someone's password."""
        user = self.user(request, id)
        data = parse(t.AdminUserPatchInput, request.data)
        if data.get("password"):
            message = "An ADMIN cannot set a password here; the user changes it, or it is reset from the console."
            raise ValidationFailed(message, code="password_not_settable", fields={"password": [message]})
        changes = {key: data[key] for key in ("email", "is_active") if key in data}
        if "full_name" in data:
            changes["display_name"] = data["full_name"]
        if "role" in data and data["role"] != t.role(user):
            changes["role"] = t.ROLES_IN[data["role"]]
        return Response(t.user_json(user_update_by_admin(actor=request.user, user=user, changes=changes)))

    def translate_error(self, exc, response):
        super().translate_error(exc, response)
        if error_code(exc) == "password_not_settable":
            response.status_code = status.HTTP_400_BAD_REQUEST


class AdminPendingLeaveView(TrackerView):
    permission_classes = [IsAuthenticated, IsAdminRole]

    def get(self, request):
        found = leave_request_list(actor=request.user).filter(status=RequestStatus.PENDING).order_by("created_at", "id")
        return Response([t.leave_json(item) for item in found])


class AdminPendingEntriesView(TrackerView):
    """Time entries waiting for approval. Timekeep has no approval of time entries and every
    entry reads `is_approved: true` here, so none is ever pending: the true answer is `[]`."""

    permission_classes = [IsAuthenticated, IsAdminRole]

    def get(self, request):
        parse(t.PageQuery, request.query_params)
        return Response([])


class ComplianceView(TrackerView):
    """The path the client calls (its original backend served `/admin/compliance/working-time`):
    analytics' team compliance for the current month."""

    permission_classes = [IsAuthenticated, IsAdminRole]

    def get(self, request):
        first, last = self.window({})
        zone = user_zone(request.user)
        report = team_compliance(
            actor=request.user,
            start=datetime.combine(first, time.min, tzinfo=zone),
            end=datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
        )
        results = [
            {
                "user_email": person.user.email,
                "is_compliant": not person.violations,
                "rest_period_violations": sum(v.rule == "min_daily_rest" for v in person.violations),
                "weekly_hour_violations": sum(v.rule == "max_weekly_hours" for v in person.violations),
            }
            for person in report.people
        ]
        return Response({"overall_compliance": all(row["is_compliant"] for row in results), "results": results})
