"""Demo appointments for `manage.py seed_demo`: Sam Staff (staff@example.com) offers a
"Consultation" on weekdays 09:00–12:00 and 13:00–17:00 Berlin time; alice booked the first free
slot two days or more ahead, and Sam asked for leave that day (pending), so an ADMIN sees the
clash on the request in the leave console.

Idempotent: the service is created once by name, the weekly hours once, and the booking and the
leave request only while alice has no appointment. Written through the services, so the booking
goes through the same availability check as a real one."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import User
from leave.models import ACTIVE_STATUSES, LeaveRequest, LeaveType
from leave.selectors.days import local_today
from leave.services.requests import leave_request_submit
from scheduling.availability import slot_list
from scheduling.models import Appointment, AvailabilitySchedule, Service
from scheduling.services.appointments import appointment_book
from scheduling.services.availability import availability_set
from scheduling.services.catalog import service_create

SERVICE_NAME = "Consultation"
ZONE = "Europe/Berlin"
WEEKLY = [
    {"weekday": day, "start": start, "end": end}
    for day in range(1, 6)
    for start, end in (("09:00", "12:00"), ("13:00", "17:00"))
]


def _service(admin: User, staff: User) -> Service:
    found = Service.objects.filter(name=SERVICE_NAME).first()
    if found is not None:
        return found
    return service_create(
        actor=admin,
        staff=[staff.uuid],
        name=SERVICE_NAME,
        description="A one-hour talk about your time tracking set-up.",
        duration_minutes=60,
        buffer_after_minutes=15,
        min_notice_minutes=120,
        horizon_days=60,
        slot_step_minutes=30,
        location="Room 1",
    )


def _first_slot(service: Service, staff: User, now: datetime) -> datetime | None:
    """The first slot with `staff` from two days ahead (the same function booking asks)."""
    start = datetime.combine(now.date() + timedelta(days=2), time(), tzinfo=UTC)
    slots = slot_list(service=service, staff=[staff], start=start, end=start + timedelta(days=21), zone=UTC, now=now)
    for day in sorted(slots):
        return slots[day][0].start
    return None


def seed(stdout) -> None:
    admin = User.objects.filter(email="admin@example.com").first()
    staff = User.objects.filter(email="staff@example.com").first()
    alice = User.objects.filter(email="alice@example.com").first()
    if admin is None or staff is None or alice is None:
        stdout.write("Scheduling demo skipped: run the accounts demo first.")
        return
    now = timezone.now()
    service = _service(admin, staff)
    if not AvailabilitySchedule.objects.filter(staff=staff).exists():
        # From the start of this year, so the hours govern every date the demo books.
        availability_set(
            actor=staff,
            staff=staff,
            timezone_name=ZONE,
            valid_from=local_today(staff, now).replace(month=1, day=1),
            weekly=WEEKLY,
        )
    stdout.write(f"Scheduling demo: “{SERVICE_NAME}” with {staff.email}, weekdays 09:00–17:00 {ZONE}.")
    if Appointment.objects.filter(customer=alice).exists():
        stdout.write("  alice's appointment already present; nothing changed.")
        return
    start = _first_slot(service, staff, now)
    if start is None:
        stdout.write("  no free slot in the next three weeks; no appointment booked.")
        return
    appointment = appointment_book(actor=alice, service=service, start=start, staff=staff, customer_notes="First call")
    local = appointment.start_utc.astimezone(ZoneInfo(ZONE))
    stdout.write(f"  alice booked {local:%a %d %b %H:%M} ({ZONE}).")
    vacation = LeaveType.objects.filter(code="VACATION", active=True).first()
    taken = LeaveRequest.objects.filter(
        user=staff, status__in=ACTIVE_STATUSES, start_date__lte=local.date(), end_date__gte=local.date()
    ).exists()
    if vacation is not None and not taken:
        # Sam has no manager, so the ADMINs decide; the console shows the appointment it clashes with.
        leave_request_submit(
            actor=staff, leave_type=vacation, start_date=local.date(), end_date=local.date(), reason="Training day"
        )
        stdout.write("  Sam Staff asked for leave that day: pending, clashing with alice's appointment.")
