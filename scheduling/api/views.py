from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.models import User
from accounts.permissions import IsAdminRole
from config.api.pagination import PageNumberPagination
from config.api.views import UUID_PATTERN, ApiView, ScopedViewSet, parse_input
from config.errors import NotFound, ValidationFailed
from leave.selectors.days import local_today
from scheduling import selectors
from scheduling.api import serializers as s
from scheduling.api.filters import AppointmentFilter
from scheduling.availability import slot_list, weekly_hours_on
from scheduling.models import Appointment, Service
from scheduling.services import appointments, availability, catalog
from scheduling.services.appointments import check_staff_offers, offering_staff

# --- Services -------------------------------------------------------------------------------


@extend_schema(tags=["appointments"])
class ServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The services customers book. Everyone reads active ones; ADMINs also inactive ones, and write."""

    serializer_class = s.ServiceOutput
    queryset = Service.objects.none()
    filter_backends: list = []

    def get_permissions(self):
        if self.action in {"create", "partial_update"}:
            return [IsAuthenticated(), IsAdminRole()]
        return super().get_permissions()

    def scope_queryset(self, request):
        return selectors.service_list(actor=request.user)

    def _output(self, service, status_code=status.HTTP_200_OK) -> Response:
        fresh = selectors.service_list(actor=self.request.user).get(pk=service.pk)
        return Response(s.ServiceOutput(fresh).data, status=status_code)

    @extend_schema(request=s.ServiceCreateInput, responses={201: s.ServiceOutput})
    def create(self, request):
        service = catalog.service_create(actor=request.user, **parse_input(s.ServiceCreateInput, request.data))
        return self._output(service, status.HTTP_201_CREATED)

    @extend_schema(request=s.ServiceUpdateInput, responses=s.ServiceOutput)
    def partial_update(self, request, id=None):
        changes = parse_input(s.ServiceUpdateInput, request.data)
        return self._output(catalog.service_update(actor=request.user, service=self.get_object(), changes=changes))


# --- Availability ---------------------------------------------------------------------------


@extend_schema(tags=["availability"])
class StaffAvailabilityViewSet(ScopedViewSet):
    """A STAFF member's weekly hours and date overrides (`{id}`: the staff member's public id).
    Everyone signed in reads them; the staff member themself or an ADMIN writes."""

    queryset = User.objects.none()
    serializer_class = s.AvailabilityOutput
    filter_backends: list = []
    pagination_class = PageNumberPagination

    def scope_queryset(self, request):
        return User.objects.filter(is_active=True, role__in=("STAFF", "ADMIN"))

    @extend_schema(
        operation_id="staff_availability_retrieve",
        parameters=[s.AvailabilityQueryInput],
        responses=s.AvailabilityOutput,
        description="The weekly hours in effect on `on` (default: today in the staff member's zone). Without "
        "weekly hours, leave's work pattern gives 09:00 to 09:00 + that day's hours (`source: work_pattern`).",
    )
    @action(detail=True, methods=["get"], url_path="availability", url_name="availability")
    def availability(self, request, id=None):
        staff = self.get_object()
        on = parse_input(s.AvailabilityQueryInput, request.query_params).get("on")
        on = on or local_today(staff, timezone.now())
        return Response(s.AvailabilityOutput(weekly_hours_on(staff=staff, on=on)).data)

    @extend_schema(
        operation_id="staff_availability_update",
        request=s.AvailabilityInput,
        responses=s.AvailabilityOutput,
        description="Set the weekly hours from `valid_from` on, in `timezone` (wall-clock times: 09:00 stays "
        "09:00 across daylight-saving changes). Schedules starting later are removed. Overlapping intervals "
        "of one weekday are a 400.",
    )
    @availability.mapping.put
    def set_availability(self, request, id=None):
        staff = self.get_object()
        data = parse_input(s.AvailabilityInput, request.data)
        availability.availability_set(
            actor=request.user,
            staff=staff,
            timezone_name=data["timezone"],
            valid_from=data["valid_from"],
            weekly=data["weekly"],
        )
        return Response(s.AvailabilityOutput(weekly_hours_on(staff=staff, on=data["valid_from"])).data)

    @extend_schema(
        operation_id="staff_availability_overrides_list",
        parameters=[s.OverrideQueryInput],
        responses=s.OverrideOutput(many=True),
        description="Date overrides, by date.",
    )
    @action(detail=True, methods=["get"], url_path="availability/overrides", url_name="availability-overrides")
    def overrides(self, request, id=None):
        query = parse_input(s.OverrideQueryInput, request.query_params)
        overrides = selectors.override_list(staff=self.get_object())
        if query.get("from"):
            overrides = overrides.filter(date__gte=query["from"])
        if query.get("to"):
            overrides = overrides.filter(date__lt=query["to"])
        page = self.paginate_queryset(overrides)
        return self.get_paginated_response(s.OverrideOutput(page, many=True).data)

    @extend_schema(
        operation_id="staff_availability_overrides_create",
        request=s.OverrideInput,
        responses={201: s.OverrideOutput, 200: OpenApiResponse(s.OverrideOutput, "An override of that date replaced.")},
        description="Other hours on one date (`intervals: []`: the day off); replaces an override of that date.",
    )
    @overrides.mapping.post
    def add_override(self, request, id=None):
        data = parse_input(s.OverrideInput, request.data)
        override, created = availability.availability_override_set(
            actor=request.user, staff=self.get_object(), on=data["date"], intervals=data["intervals"], note=data["note"]
        )
        return Response(s.OverrideOutput(override).data, status=status.HTTP_201_CREATED if created else 200)

    @extend_schema(
        operation_id="staff_availability_overrides_destroy",
        request=None,
        responses={204: None},
        description="Remove a date override: the weekly hours apply that day again.",
    )
    @action(
        detail=True,
        methods=["delete"],
        url_path=rf"availability/overrides/(?P<override_id>{UUID_PATTERN})",
        url_name="availability-override",
    )
    def remove_override(self, request, id=None, override_id=None):
        override = selectors.override_list(staff=self.get_object()).filter(uuid=override_id).first()
        if override is None:
            raise NotFound("Override not found.")
        availability.availability_override_delete(actor=request.user, override=override)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Slots ----------------------------------------------------------------------------------


@extend_schema(tags=["appointments"])
class SlotsView(ApiView):
    @extend_schema(
        operation_id="slots_list",
        parameters=[s.SlotsQueryInput],
        responses=s.SlotsOutput,
        description="Open slots of a service starting in the window (`from`/`to`: dates in `timezone`, `to` "
        f"exclusive, or aware datetimes; at most {s.MAX_SLOT_WINDOW_DAYS} days), grouped by date in `timezone` "
        "(default: yours) with that zone's offset. Without `staff`, each slot lists every staff member free "
        "then. Booking any of them succeeds unless someone books it first: both use the same availability "
        "function (working hours, overrides, holidays, approved leave, other appointments with buffers, "
        "minimum notice, horizon).",
    )
    def get(self, request):
        query = parse_input(
            s.SlotsQueryInput, request.query_params, context={"default_timezone": request.user.timezone}
        )
        service = selectors.service_find(actor=request.user, service_id=query["service"])
        if service is None:
            raise NotFound("Service not found.")
        if "staff" in query:
            member = selectors.staff_member(user_id=query["staff"])
            if member is None:
                raise NotFound("Staff member not found.")
            check_staff_offers(service, member)
            staff = [member]
        else:
            staff = offering_staff(service)
        slots = slot_list(
            service=service, staff=staff, start=query["start"], end=query["end"], zone=query["zone"], now=timezone.now()
        )
        body = {
            "service": service.uuid,
            "timezone": query["zone"].key,
            "slots": {day.isoformat(): [vars(slot) for slot in found] for day, found in slots.items()},
        }
        return Response(s.SlotsOutput(body).data)


# --- Appointments ---------------------------------------------------------------------------


def _staff_or_400(user_id, field: str = "staff") -> User:
    member = selectors.staff_member(user_id=user_id)
    if member is None:
        message = "No active STAFF member with this id."
        raise ValidationFailed(f"{field}: {message}", fields={field: [message]})
    return member


@extend_schema(tags=["appointments"])
class AppointmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Appointments. A USER sees their own bookings; a STAFF member those they serve and those they
    booked; an ADMIN all. Another customer's appointment is a 404."""

    serializer_class = s.AppointmentOutput
    filterset_class = AppointmentFilter
    ordering_fields = ["start_utc", "created_at"]
    ordering = ["start_utc"]
    queryset = Appointment.objects.none()

    def scope_queryset(self, request):
        return selectors.appointment_list(actor=request.user)

    def _output(self, appointment, status_code=status.HTTP_200_OK) -> Response:
        # A staff member who handed the appointment to a colleague no longer sees it: show it once more.
        fresh = selectors.appointment_list(actor=self.request.user).filter(pk=appointment.pk).first()
        return Response(s.AppointmentOutput(fresh or appointment).data, status=status_code)

    @extend_schema(
        request=s.AppointmentCreateInput,
        responses={201: s.AppointmentOutput},
        description="Book a slot: `confirmed`, or `requested` when the service requires confirmation. A start "
        "the slot list does not offer is a 409 naming the rule (`too_soon`, `beyond_horizon`, "
        "`outside_availability`, `holiday`, `staff_on_leave`, `slot_taken`); the staff member is notified.",
    )
    def create(self, request):
        data = parse_input(s.AppointmentCreateInput, request.data)
        service = selectors.service_find(actor=request.user, service_id=data["service"])
        if service is None:
            raise ValidationFailed("service: No such service.", fields={"service": ["No such service."]})
        staff = _staff_or_400(data["staff"]) if "staff" in data else None
        appointment = appointments.appointment_book(
            actor=request.user,
            service=service,
            start=data["start_utc"],
            staff=staff,
            customer_notes=data["customer_notes"],
        )
        return self._output(appointment, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.AppointmentUpdateInput,
        responses=s.AppointmentOutput,
        description="Reschedule (`start_utc`, `staff`) through the same checks as booking, or edit notes "
        "(customer: `customer_notes`; staff member: `staff_notes`).",
    )
    def partial_update(self, request, id=None):
        appointment = self.get_object()
        changes = dict(parse_input(s.AppointmentUpdateInput, request.data))
        if "staff" in changes:
            changes["staff"] = _staff_or_400(changes["staff"])
        appointment = appointments.appointment_update(actor=request.user, appointment=appointment, changes=changes)
        return self._output(appointment)

    @extend_schema(
        request=None,
        responses={200: s.AppointmentOutput},
        description="Cancels the appointment (the row stays, with status `cancelled`); the same as "
        "POST .../cancel/ without a reason. Answers with the cancelled appointment.",
    )
    def destroy(self, request, id=None):
        appointment = appointments.appointment_cancel(actor=request.user, appointment=self.get_object())
        return self._output(appointment)

    @extend_schema(request=None, responses=s.AppointmentOutput, description="The staff member confirms a request.")
    @action(detail=True, methods=["post"])
    def confirm(self, request, id=None):
        return self._output(appointments.appointment_confirm(actor=request.user, appointment=self.get_object()))

    @extend_schema(
        request=s.AppointmentCancelInput,
        responses=s.AppointmentOutput,
        description="Either party cancels (the customer until the start); the other is notified.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, id=None):
        reason = parse_input(s.AppointmentCancelInput, request.data)["reason"]
        appointment = appointments.appointment_cancel(actor=request.user, appointment=self.get_object(), reason=reason)
        return self._output(appointment)

    @extend_schema(request=None, responses=s.AppointmentOutput, description="The staff member, after the start.")
    @action(detail=True, methods=["post"])
    def complete(self, request, id=None):
        return self._output(appointments.appointment_complete(actor=request.user, appointment=self.get_object()))

    @extend_schema(request=None, responses=s.AppointmentOutput, description="The staff member, after the start.")
    @action(detail=True, methods=["post"], url_path="no-show", url_name="no-show")
    def no_show(self, request, id=None):
        return self._output(appointments.appointment_mark_no_show(actor=request.user, appointment=self.get_object()))
