"""Scheduling: the services customers book (appointment types), staff members' weekly hours and
date overrides, appointments, and the reminders sent for them.

Times of appointments are aware UTC datetimes. Weekly hours and overrides are wall-clock times
("09:00") in the staff member's own zone, turned into UTC for each date by the availability
function (scheduling.availability), so 09:00 stays 09:00 across daylight-saving changes.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.timezone import now

from accounts.validators import validate_timezone

# Durations and buffers are bounded so a slot and its buffers always fit in two days, which the
# availability function relies on when it decides how much to read around a window.
MAX_DURATION_MINUTES = 12 * 60
MAX_BUFFER_MINUTES = 4 * 60
BUFFER_MAX = MaxValueValidator(MAX_BUFFER_MINUTES)


class Service(models.Model):
    """What a customer books: how long it takes, the buffers kept free around it, how far ahead
    it can be booked, and which STAFF members offer it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=2000)
    duration_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(MAX_DURATION_MINUTES)]
    )
    buffer_before_minutes = models.PositiveSmallIntegerField(default=0, validators=[BUFFER_MAX])
    buffer_after_minutes = models.PositiveSmallIntegerField(default=0, validators=[BUFFER_MAX])
    min_notice_minutes = models.PositiveIntegerField(
        default=60, help_text="How long before its start a slot can still be booked."
    )
    horizon_days = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(730)], help_text="How far ahead slots open."
    )
    slot_step_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(MAX_DURATION_MINUTES)],
        help_text="Slots start this often, counted from the start of each working interval.",
    )
    requires_confirmation = models.BooleanField(
        default=False, help_text="On: bookings are `requested` until the staff member confirms them."
    )
    location = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="offered_services")
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=MAX_DURATION_MINUTES),
                name="scheduling_service_duration_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    buffer_before_minutes__lte=MAX_BUFFER_MINUTES, buffer_after_minutes__lte=MAX_BUFFER_MINUTES
                ),
                name="scheduling_service_buffers_range",
            ),
            models.CheckConstraint(
                condition=Q(slot_step_minutes__gte=5, horizon_days__gte=1), name="scheduling_service_step_horizon"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AvailabilitySchedule(models.Model):
    """A STAFF member's weekly hours from `valid_from` until the next schedule starts.

    `weekly` is a list of {"weekday": 1..7 (ISO, 1 = Monday), "start": "09:00", "end": "12:00"}
    wall-clock intervals in `timezone`, checked by scheduling.services.availability."""

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability_schedules")
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    valid_from = models.DateField()
    weekly = models.JSONField(default=list)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["staff", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "valid_from"], name="scheduling_schedule_one_per_start"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} from {self.valid_from:%Y-%m-%d} ({self.timezone})"


class AvailabilityOverride(models.Model):
    """Other hours on one date (in the staff member's zone): `intervals` replaces that weekday's
    hours; an empty list is a day off. Same shape as the weekly intervals, without `weekday`."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability_overrides")
    date = models.DateField()
    intervals = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["staff", "date"]
        constraints = [models.UniqueConstraint(fields=["staff", "date"], name="scheduling_override_one_per_date")]

    def __str__(self) -> str:
        return f"{self.staff} on {self.date:%Y-%m-%d}"


class AppointmentStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"


# Statuses that hold the staff member's time (the exclusion constraint's WHERE clause says the same).
ACTIVE_STATUSES = (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED)


class Appointment(models.Model):
    """A customer's booking of a service with a staff member.

    `blocked_from`/`blocked_until` are the appointment widened by its service's buffers at booking
    time: the time nobody else can book with that staff member. On PostgreSQL an exclusion
    constraint (migration 0002) refuses two active appointments of one staff member whose blocked
    ranges overlap; the services check the same rule first, under the staff member's row lock.
    `ics_sequence` is the iCalendar SEQUENCE: raised on every reschedule and on cancellation."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="served_appointments")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    start_utc = models.DateTimeField()
    end_utc = models.DateTimeField()
    blocked_from = models.DateTimeField(editable=False)
    blocked_until = models.DateTimeField(editable=False)
    status = models.CharField(max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.CONFIRMED)
    location = models.CharField(max_length=300, blank=True)
    customer_notes = models.TextField(blank=True, max_length=2000)
    staff_notes = models.TextField(blank=True, max_length=2000)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancel_reason = models.CharField(max_length=500, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    ics_sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start_utc", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_utc__gt=F("start_utc")), name="scheduling_appointment_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(blocked_from__lte=F("start_utc"), blocked_until__gte=F("end_utc")),
                name="scheduling_appointment_block_covers_it",
            ),
            models.CheckConstraint(condition=~Q(customer=F("staff")), name="scheduling_appointment_not_with_yourself"),
        ]
        indexes = [
            models.Index(fields=["staff", "blocked_from"], name="scheduling_appt_staff_idx"),
            models.Index(fields=["customer", "start_utc"], name="scheduling_appt_customer_idx"),
            models.Index(fields=["status", "start_utc"], name="scheduling_appt_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.start_utc:%Y-%m-%d %H:%M}Z with {self.staff} for {self.customer}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class AppointmentReminder(models.Model):
    """One reminder sent (or skipped) for one appointment at one scheduled start: the unique key
    makes the job send each reminder once, however often and however concurrently it runs. A
    reschedule moves the start, so the reminders of the new time are due again."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    minutes_before = models.PositiveIntegerField()
    for_start = models.DateTimeField()
    sent = models.BooleanField(default=True, help_text="Off: skipped because a later reminder was due as well.")
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["appointment", "-minutes_before"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "minutes_before", "for_start"], name="scheduling_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.minutes_before} min before {self.appointment}"
