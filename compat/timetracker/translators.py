"""Time Tracker's shapes.

* A time entry's `description` is the entry's notes (any length, as the original took it).
  Timekeep has no approval of time entries: every entry is `is_approved`, and whether it was
  typed in by hand is not kept (`is_manual_entry` is false).
* Leave types `vacation`, `sick_leave`, `special_permit` are the leave types with codes
  VACATION, SICK and SPECIAL_PERMIT (the last exists once an ADMIN creates it); status
  `cancelled` is spelt `canceled`.
* Roles: ADMIN is `admin`; USER and STAFF are `normal` (Time Tracker has no staff role)."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from accounts.models import Role, User
from config.api.fields import AwareDateTimeField
from leave.models import LeaveRequest, RequestStatus
from tracking.models import TimeEntry

_when = AwareDateTimeField()
LEAVE_TYPES = {"vacation": "VACATION", "sick_leave": "SICK", "special_permit": "SPECIAL_PERMIT"}
LEAVE_CODES = {code: name for name, code in LEAVE_TYPES.items()}
STATUSES = {RequestStatus.CANCELLED: "canceled"}
STATUSES_IN = {"pending": "pending", "approved": "approved", "rejected": "rejected", "canceled": "cancelled"}


def iso(value) -> str | None:
    return _when.to_representation(value)


def role(user: User) -> str:
    return "admin" if user.role == Role.ADMIN else "normal"


def user_json(user: User) -> dict:
    return {
        "id": str(user.uuid),
        "email": user.email,
        "full_name": user.display_name,
        "is_active": user.is_active,
        "role": role(user),
        "created_at": iso(user.date_joined),
    }


def entry_json(entry: TimeEntry) -> dict:
    return {
        "id": str(entry.uuid),
        "user_id": str(entry.user.uuid),
        "start_time": iso(entry.start),
        "end_time": iso(entry.end),
        "description": entry.notes or None,
        "is_manual_entry": False,
        "is_approved": True,
        "approved_by_id": None,
        "approved_at": None,
        "created_at": iso(entry.created_at),
        "updated_at": iso(entry.updated_at),
    }


def leave_json(request: LeaveRequest) -> dict:
    decided = request.status in (RequestStatus.APPROVED, RequestStatus.REJECTED)
    approver = str(request.approver.uuid) if request.approver_id else None
    return {
        "id": str(request.uuid),
        "user_id": str(request.user.uuid),
        "user_email": request.user.email,
        "leave_type": LEAVE_CODES.get(request.leave_type.code, request.leave_type.code.lower()),
        "start_date": request.start_date.isoformat(),
        "end_date": request.end_date.isoformat(),
        "reason": request.reason or None,
        "status": STATUSES.get(request.status, request.status),
        "created_at": iso(request.created_at),
        "updated_at": iso(request.updated_at),
        "reviewed_by_id": approver if decided else None,
        "reviewed_at": iso(request.decided_at) if decided else None,
        "approved_by_id": approver if request.status == RequestStatus.APPROVED else None,
        "approved_at": iso(request.decided_at) if request.status == RequestStatus.APPROVED else None,
        "rejection_reason": request.decision_note if request.status == RequestStatus.REJECTED else None,
    }


def hours(seconds: int) -> float:
    return round(seconds / 3600, 2)


def dashboard_json(account, balances) -> dict:
    """The dashboard from analytics' time account and leave's balances. Overtime is, as in the
    original, summed per day over the days worked beyond what was expected, but "expected" is the
    day's figure of the account (the work pattern, holidays and leave) rather than a flat 8 h.
    The leave figures are the days left of each type's allowance this year (the original counted
    approved days in the period)."""
    worked = [day for day in account.days if day.worked_seconds]
    left = {balance.leave_type.code: balance.remaining for balance in balances}
    return {
        "time_balance": {
            "total_hours": hours(account.total.worked_seconds),
            "total_days": len(worked),
            "daily_hours": {day.date.isoformat(): hours(day.worked_seconds) for day in worked},
            "overtime_hours": hours(sum(max(0, day.balance_seconds) for day in account.days)),
        },
        "leave_balance": {name: float(left.get(code, Decimal(0))) for name, code in LEAVE_TYPES.items()},
        "period": {"start_date": account.start.isoformat(), "end_date": account.end.isoformat()},
    }


class LoginInput(serializers.Serializer):
    username = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class RefreshInput(serializers.Serializer):
    refresh_token = serializers.CharField()


class ProfileInput(serializers.Serializer):
    full_name = serializers.CharField(max_length=150, allow_blank=True, required=False)


class EntryInput(serializers.Serializer):
    start_time = AwareDateTimeField()
    end_time = AwareDateTimeField(required=False, allow_null=True)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True, allow_null=True)
    is_manual_entry = serializers.BooleanField(required=False)


class EntryPatchInput(EntryInput):
    start_time = AwareDateTimeField(required=False)


class DateWindowQuery(serializers.Serializer):
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)


class LeaveInput(serializers.Serializer):
    leave_type = serializers.ChoiceField(choices=list(LEAVE_TYPES))
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, allow_null=True)


class LeavePatchInput(LeaveInput):
    leave_type = serializers.ChoiceField(choices=list(LEAVE_TYPES), required=False)
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)


class LeaveListQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=list(STATUSES_IN), required=False)
    skip = serializers.IntegerField(min_value=0, required=False, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=1000, required=False, default=100)


class LeaveActionInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=["approved", "rejected"])
    rejection_reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, allow_null=True)


class AdminUserInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=["normal", "admin"], required=False, default="normal")
    is_active = serializers.BooleanField(required=False, default=True)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class AdminUserPatchInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254, required=False)
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=["normal", "admin"], required=False)
    is_active = serializers.BooleanField(required=False)
    password = serializers.CharField(max_length=128, trim_whitespace=False, required=False, allow_blank=True)
