"""Prepare the slot-list scenario: one staff member in Berlin (weekdays 09:00–17:00), one
30-minute service, and 200 confirmed appointments in the 31 days the scenario asks about (next
month from the 1st), booked by 20 customers; then access tokens for the customers. Everything it
made earlier is removed first, so every run starts from the same state. Its accounts live under
@bench.invalid, apart from load_data.py's users.

    DATABASE_URL=... ACCESS_TOKEN_MIN=240 python bench/prepare_slots.py --out bench/results
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from accounts.tokens import issue_token_pair  # noqa: E402
from scheduling.models import Appointment, AvailabilitySchedule, Service  # noqa: E402

DOMAIN = "bench.invalid"
BERLIN = ZoneInfo("Europe/Berlin")
SERVICE_NAME = "Bench consultation"
APPOINTMENTS = 200
CUSTOMERS = 20


def _account(email: str, role: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email, None, role=role, timezone="Europe/Berlin", country="DE", subdivision="BE"
        )
    return user


def _window() -> tuple[date, date]:
    """The 1st of next month and 31 days later."""
    today = timezone.now().astimezone(BERLIN).date()
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first, first + timedelta(days=31)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("bench/results"))
    args = parser.parse_args()

    first, end = _window()
    with transaction.atomic():
        staff = _account(f"slots-staff@{DOMAIN}", Role.STAFF)
        customers = [_account(f"slots-customer-{n:02d}@{DOMAIN}", Role.USER) for n in range(CUSTOMERS)]
        Appointment.objects.filter(staff=staff).delete()
        Service.objects.filter(name=SERVICE_NAME, appointments__isnull=True).delete()
        service = Service.objects.create(
            name=SERVICE_NAME, duration_minutes=30, buffer_after_minutes=5, min_notice_minutes=0, horizon_days=120
        )
        service.staff.set([staff])
        AvailabilitySchedule.objects.update_or_create(
            staff=staff,
            valid_from=date(2020, 1, 1),
            defaults={
                "timezone": "Europe/Berlin",
                "weekly": [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(1, 6)],
            },
        )
        rows, day = [], first
        while len(rows) < APPOINTMENTS and day < end:
            if day.weekday() < 5:
                for slot in range(10):  # 09:00, 09:45, ... ten a weekday
                    start = datetime.combine(day, time(9), tzinfo=BERLIN).astimezone(UTC) + timedelta(minutes=45 * slot)
                    finish = start + timedelta(minutes=30)
                    rows.append(
                        Appointment(
                            customer=customers[len(rows) % CUSTOMERS],
                            staff=staff,
                            service=service,
                            start_utc=start,
                            end_utc=finish,
                            blocked_from=start,
                            blocked_until=finish + timedelta(minutes=5),
                        )
                    )
            day += timedelta(days=1)
        Appointment.objects.bulk_create(rows[:APPOINTMENTS])
    args.out.mkdir(parents=True, exist_ok=True)
    # One line per customer: "<token> <service id> <staff id> <from> <to>".
    lines = [f"{issue_token_pair(c).access} {service.uuid} {staff.uuid} {first} {end}\n" for c in customers]
    (args.out / "slots.txt").write_text("".join(lines))
    print(f"{min(len(rows), APPOINTMENTS)} appointments from {first} to {end}, {len(lines)} clients in {args.out}/")


if __name__ == "__main__":
    main()
