"""A fresh install has three leave types; an ADMIN may edit or deactivate them afterwards.

VACATION: 25 days a year, granted yearly, needs approval, half days allowed. SICK: no balance,
approved at once (a sick-leave report), half days allowed. UNPAID: no balance, needs approval.
The reverse removes them only while nothing refers to them."""

from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    {
        "code": "VACATION",
        "name": "Vacation",
        "color": "#4CAF50",
        "paid": True,
        "requires_approval": True,
        "deducts_balance": True,
        "half_day_allowed": True,
        "annual_days": Decimal("25"),
        "accrual": "yearly",
    },
    {
        "code": "SICK",
        "name": "Sick leave",
        "color": "#F44336",
        "paid": True,
        "requires_approval": False,
        "deducts_balance": False,
        "half_day_allowed": True,
        "annual_days": Decimal("0"),
        "accrual": "yearly",
    },
    {
        "code": "UNPAID",
        "name": "Unpaid leave",
        "color": "#9E9E9E",
        "paid": False,
        "requires_approval": True,
        "deducts_balance": False,
        "half_day_allowed": False,
        "annual_days": Decimal("0"),
        "accrual": "yearly",
    },
]


def create_types(apps, schema_editor):
    LeaveType = apps.get_model("leave", "LeaveType")
    for values in DEFAULTS:
        LeaveType.objects.get_or_create(code=values["code"], defaults=values)


def remove_types(apps, schema_editor):
    LeaveType = apps.get_model("leave", "LeaveType")
    codes = [values["code"] for values in DEFAULTS]
    LeaveType.objects.filter(code__in=codes, requests__isnull=True, ledger__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("leave", "0001_patterns_holidays_types_requests_ledger")]

    operations = [migrations.RunPython(create_types, remove_types)]
