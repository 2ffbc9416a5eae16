"""Staff console for appointments. STAFF see the appointments they serve (theirs only), by day
and hour in their own zone, filtered by status and service, and confirm or cancel them; ADMINs
see everyone's and manage services and availability. Every change goes through the services,
so the API's rules (the availability gate, notifications, audit) hold here too."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin

from accounts.models import Role, User
from config.admin_mixins import (
    ReadOnlyMixin,
    ServiceDeleteMixin,
    ServiceSaveMixin,
    StaffScopedAdmin,
    run_service_action,
)
from scheduling.models import Appointment, AppointmentStatus, AvailabilityOverride, AvailabilitySchedule, Service
from scheduling.services import appointments, availability, catalog

# --- Services -------------------------------------------------------------------------------


class ServiceForm(forms.ModelForm):
    staff = forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(is_active=True, role__in=(Role.STAFF, Role.ADMIN)),
        required=False,
        widget=admin.widgets.FilteredSelectMultiple("staff members", is_stacked=False),
    )

    class Meta:
        model = Service
        fields = [*catalog.SERVICE_FIELDS, "staff"]


@admin.register(Service)
class ServiceAdmin(ServiceSaveMixin, admin.ModelAdmin):
    form = ServiceForm
    list_display = ["name", "duration_minutes", "slot_step_minutes", "requires_confirmation", "active", "updated_at"]
    list_filter = ["active", "requires_confirmation"]
    search_fields = ["name", "uuid"]

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in catalog.SERVICE_FIELDS}
        staff = [member.uuid for member in form.cleaned_data["staff"]]
        if change:
            changed = {name: data[name] for name in form.changed_data if name in data}
            if "staff" in form.changed_data:
                changed["staff"] = staff
            if changed:
                self.save_through(
                    request, lambda: catalog.service_update(actor=request.user, service=obj, changes=changed)
                )
        else:
            self.create_through(request, obj, lambda: catalog.service_create(actor=request.user, staff=staff, **data))

    def save_related(self, request, form, formsets, change):
        """Who offers the service was saved by the service call."""

    def has_delete_permission(self, request, obj=None):
        return False  # appointments point at it: switch `active` off instead


# --- Availability ---------------------------------------------------------------------------


class ScheduleForm(forms.ModelForm):
    class Meta:
        model = AvailabilitySchedule
        fields = ["staff", "timezone", "valid_from", "weekly"]
        help_texts = {"weekly": 'A list like [{"weekday": 1, "start": "09:00", "end": "17:00"}] (1 = Monday).'}

    def clean_weekly(self):
        weekly = self.cleaned_data["weekly"]
        if not isinstance(weekly, list) or not all(
            isinstance(i, dict) and set(i) == {"weekday", "start", "end"} and i["weekday"] in range(1, 8)
            for i in weekly
        ):
            raise forms.ValidationError('Give a list of {"weekday": 1-7, "start": "HH:MM", "end": "HH:MM"}.')
        return weekly


@admin.register(AvailabilitySchedule)
class AvailabilityScheduleAdmin(ServiceSaveMixin, admin.ModelAdmin):
    form = ScheduleForm
    list_display = ["staff", "valid_from", "timezone", "hours"]
    list_select_related = ["staff"]
    search_fields = ["staff__email"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "staff":
            kwargs["queryset"] = User.objects.filter(is_active=True, role__in=(Role.STAFF, Role.ADMIN))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="weekly hours")
    def hours(self, schedule) -> str:
        days = "MTWTFSS"
        return ", ".join(f"{days[i['weekday'] - 1]} {i['start']}–{i['end']}" for i in schedule.weekly)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data

        def save():
            saved = availability.availability_set(
                actor=request.user,
                staff=data["staff"],
                timezone_name=data["timezone"],
                valid_from=data["valid_from"],
                weekly=data["weekly"],
            )
            obj.pk = saved.pk

        self.save_through(request, save)

    def has_delete_permission(self, request, obj=None):
        return False  # a later schedule replaces it (PUT .../availability/ with a new valid_from)


class OverrideForm(forms.ModelForm):
    class Meta:
        model = AvailabilityOverride
        fields = ["staff", "date", "intervals", "note"]
        help_texts = {"intervals": 'A list like [{"start": "09:00", "end": "12:00"}]; [] is the day off.'}

    def clean_intervals(self):
        intervals = self.cleaned_data["intervals"]
        if not isinstance(intervals, list) or not all(
            isinstance(i, dict) and set(i) == {"start", "end"} for i in intervals
        ):
            raise forms.ValidationError('Give a list of {"start": "HH:MM", "end": "HH:MM"} ([] for a day off).')
        return intervals


@admin.register(AvailabilityOverride)
class AvailabilityOverrideAdmin(ServiceDeleteMixin, admin.ModelAdmin):
    form = OverrideForm
    list_display = ["staff", "date", "intervals", "note"]
    list_filter = [("staff", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["staff"]
    date_hierarchy = "date"
    actions = ["delete_each"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data

        def save():
            saved, _ = availability.availability_override_set(
                actor=request.user, staff=data["staff"], on=data["date"], intervals=data["intervals"], note=data["note"]
            )
            obj.pk = saved.pk

        self.save_through(request, save)

    def delete_through(self, request, obj):
        availability.availability_override_delete(actor=request.user, override=obj)

    @admin.action(description="Delete selected overrides")
    def delete_each(self, request, queryset):
        super().delete_each(request, queryset)


# --- Appointments ---------------------------------------------------------------------------


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyMixin, StaffScopedAdmin):
    """A day view: appointments by day (the date bar) and hour, in the staff member's own zone."""

    list_display = ["local_day", "local_hour", "local_time", "staff", "customer_name", "service", "status"]
    list_filter = ["status", ("service", admin.RelatedOnlyFieldListFilter), ("staff", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["customer__email", "customer__display_name", "uuid"]
    date_hierarchy = "start_utc"
    ordering = ["staff", "start_utc"]
    list_select_related = ["staff", "customer", "service"]
    readonly_fields = [
        "uuid", "customer", "staff", "service", "start_utc", "end_utc", "status", "location", "customer_notes",
        "staff_notes", "cancelled_by", "cancel_reason", "cancelled_at", "ics_sequence", "created_at", "updated_at",
    ]  # fmt: skip
    fields = readonly_fields
    actions = ["confirm", "cancel"]

    def staff_queryset(self, request, queryset):
        return queryset.filter(staff=request.user)

    def _local(self, appointment):
        return appointment.start_utc.astimezone(ZoneInfo(appointment.staff.timezone or "UTC"))

    @admin.display(description="day", ordering="start_utc")
    def local_day(self, appointment) -> str:
        return f"{self._local(appointment):%a %Y-%m-%d}"

    @admin.display(description="hour")
    def local_hour(self, appointment) -> str:
        return f"{self._local(appointment):%H}:00"

    @admin.display(description="time (staff member's zone)")
    def local_time(self, appointment) -> str:
        end = appointment.end_utc.astimezone(ZoneInfo(appointment.staff.timezone or "UTC"))
        return f"{self._local(appointment):%H:%M}–{end:%H:%M}"

    @admin.display(description="customer", ordering="customer__email")
    def customer_name(self, appointment) -> str:
        return f"{appointment.customer.name} <{appointment.customer.email}>"

    def get_actions(self, request):
        # ReadOnlyMixin removes the delete permission; actions stay (they call services).
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Confirm selected requests")
    def confirm(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset.filter(status=AppointmentStatus.REQUESTED),
            lambda a: appointments.appointment_confirm(actor=request.user, appointment=a),
            "Confirmed",
        )

    @admin.action(description="Cancel selected appointments (the customers are told)")
    def cancel(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda a: appointments.appointment_cancel(
                actor=request.user, appointment=a, reason="Cancelled by the staff member."
            ),
            "Cancelled",
        )
