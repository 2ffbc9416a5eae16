"""Time Tracker's shapes.

* A time entry's `description` is the entry's notes (any length, as the original took it).
  Timekeep has no approval of time entries: every entry is `is_approved`, and whether it was
  typed in by hand is not kept (`is_manual_entry` is false).
* Leave types `vacation`, `sick_leave`, `special_permit` are the leave types with codes
  VACATION, SICK and SPECIAL_PERMIT (the last exists once an ADMIN creates it); status
  `cancelled` is spelt `canceled`.
* Roles: ADMIN is `admin`; USER and STAFF are `normal` (Time Tracker has no staff role).
* The admin page's user import is a CSV file (`email,password,full_name,role,is_active`), read
  here into accounts' `NewUser` rows, numbered as a spreadsheet shows them (the header is row 1)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from rest_framework import serializers

from accounts.models import Role, User
from accounts.services.users import IMPORT_MAX_PROBLEMS, IMPORT_MAX_ROWS, NewUser
from config.api.fields import AwareDateTimeField
from config.errors import ApplicationError, ValidationFailed
from leave.models import LeaveRequest, RequestStatus
from media.errors import PayloadTooLarge
from tracking.models import TimeEntry

_when = AwareDateTimeField()
LEAVE_TYPES = {"vacation": "VACATION", "sick_leave": "SICK", "special_permit": "SPECIAL_PERMIT"}
LEAVE_CODES = {code: name for name, code in LEAVE_TYPES.items()}
STATUSES = {RequestStatus.CANCELLED: "canceled"}
STATUSES_IN = {"pending": "pending", "approved": "approved", "rejected": "rejected", "canceled": "cancelled"}


def iso(value) -> str | None:
    return _when.to_representation(value)


ROLES_IN = {"normal": Role.USER, "admin": Role.ADMIN}
# The largest import file read: IMPORT_MAX_ROWS rows of long addresses, names and passwords fit
# many times over.
IMPORT_MAX_BYTES = 1024 * 1024
IMPORT_COLUMNS = ("email", "password", "full_name", "role", "is_active")


class FormatNotImplemented(ApplicationError, status=501, code="not_implemented"):
    """A format the original recognised but never read (Excel), answered as it answered it."""


def role(user: User) -> str:
    return "admin" if user.role == Role.ADMIN else "normal"


def import_rows(upload) -> list[NewUser]:
    """The accounts of an uploaded import file, checked for shape only (accounts checks the
    rest). `.xlsx`/`.xls` is a 501 and any other name but `.csv` a 400, as in the original; a
    file over IMPORT_MAX_BYTES a 413; no header naming `email` and `password`, text that is
    not UTF-8, no row, or more rows than accounts imports at once, a 400; malformed rows a 400
    naming each (`Row 3: email: Enter a valid email address.`)."""
    name = (upload.name or "").lower()
    if name.endswith((".xlsx", ".xls")):
        raise FormatNotImplemented("Excel import is not implemented; upload the users as a CSV file.")
    if not name.endswith(".csv"):
        raise ValidationFailed("Unsupported file format. Please upload a CSV file.", code="import_format")
    if upload.size > IMPORT_MAX_BYTES:
        raise PayloadTooLarge(f"The file is larger than {IMPORT_MAX_BYTES} bytes.", code="file_too_large")
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("The file is not UTF-8 text.", code="import_invalid") from None
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [(column or "").strip().lower() for column in reader.fieldnames or []]
        reader.fieldnames = header
        records = list(reader)
    except csv.Error as exc:
        raise ValidationFailed(f"The file is not readable as CSV: {exc}.", code="import_invalid") from None
    missing = [column for column in ("email", "password") if column not in header]
    if missing:
        raise ValidationFailed(
            f"The first row must name the columns {', '.join(IMPORT_COLUMNS)}; {' and '.join(missing)} missing.",
            code="import_invalid",
        )
    if len(records) > IMPORT_MAX_ROWS:  # accounts' bound, checked before every row is parsed
        raise ValidationFailed(
            f"At most {IMPORT_MAX_ROWS} accounts can be imported at once; this file has {len(records)}.",
            code="import_too_large",
        )
    rows, problems = [], []
    for number, record in enumerate(records, start=2):
        values = {
            column: value if column == "password" else value.strip()
            for column, value in record.items()
            if column in IMPORT_COLUMNS and isinstance(value, str) and value.strip()
        }
        row = ImportRowInput(data=values)
        if row.is_valid():
            data = row.validated_data
            rows.append(
                NewUser(
                    email=data["email"],
                    password=data["password"],
                    display_name=data["full_name"],
                    role=ROLES_IN[data["role"]],
                    is_active=data["is_active"],
                    row=number,
                )
            )
        else:
            field, messages = next(iter(row.errors.items()))
            problems.append(f"Row {number}: {field}: {messages[0]}")
    if problems:
        lines = problems[:IMPORT_MAX_PROBLEMS]
        if len(problems) > IMPORT_MAX_PROBLEMS:
            lines.append(f"... and {len(problems) - IMPORT_MAX_PROBLEMS} more rows.")
        raise ValidationFailed(
            "Nothing was imported. " + " ".join(lines), code="import_invalid", fields={"rows": lines}
        )
    return rows


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


class ImportRowInput(AdminUserInput):
    """One row of the import file: the same fields as a user the admin page creates."""


class ImportInput(serializers.Serializer):
    file = serializers.FileField()


class PageQuery(serializers.Serializer):
    skip = serializers.IntegerField(min_value=0, required=False, default=0)
    limit = serializers.IntegerField(min_value=1, max_value=1000, required=False, default=100)


class AdminUserPatchInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254, required=False)
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=["normal", "admin"], required=False)
    is_active = serializers.BooleanField(required=False)
    password = serializers.CharField(max_length=128, trim_whitespace=False, required=False, allow_blank=True)
