from __future__ import annotations

import django_filters

from config.api.filters import AwareDateTimeFilter
from config.api.queries import check_window
from scheduling.models import Appointment, AppointmentStatus


class AppointmentFilter(django_filters.FilterSet):
    # `from` is a Python keyword, so it is declared through the class namespace.
    locals()["from"] = AwareDateTimeFilter(
        method="filter_from", help_text="Appointments that end after this. ISO 8601 with offset or Z."
    )
    to = AwareDateTimeFilter(method="filter_to", help_text="Appointments that start before this.")
    status = django_filters.MultipleChoiceFilter(choices=AppointmentStatus.choices, help_text="Repeat for several.")
    staff = django_filters.UUIDFilter(field_name="staff__uuid")
    service = django_filters.UUIDFilter(field_name="service__uuid")

    class Meta:
        model = Appointment
        fields: list[str] = []

    def filter_from(self, queryset, name, value):
        return queryset.filter(end_utc__gt=value)

    def filter_to(self, queryset, name, value):
        check_window(self.form.cleaned_data.get("from"), value)
        return queryset.filter(start_utc__lt=value)
