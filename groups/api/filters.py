import django_filters

from config.api.filters import StrictBooleanFilter
from groups.models import Group, GroupStatus, Invite, InviteStatus


class GroupFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=GroupStatus.choices)

    class Meta:
        model = Group
        fields: list[str] = []


class InviteFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=InviteStatus.choices)
    group = django_filters.UUIDFilter(field_name="group__uuid")
    received = StrictBooleanFilter(
        method="filter_received",
        help_text="true: only invites to you; false: only those of groups you manage, to others.",
    )

    class Meta:
        model = Invite
        fields: list[str] = []

    def filter_received(self, queryset, name, value):
        return queryset.filter(addressed_to_me=value)
