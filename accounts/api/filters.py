import django_filters
from django.db.models import Q

from accounts.models import Notification, Role, User
from config.api.filters import StrictBooleanFilter


class UserFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices)
    is_active = StrictBooleanFilter()
    manager = django_filters.UUIDFilter(field_name="manager__uuid")
    search = django_filters.CharFilter(method="filter_search", max_length=100, help_text="Part of email or name.")

    class Meta:
        model = User
        fields = ["role", "is_active", "manager"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(email__icontains=value) | Q(display_name__icontains=value))


class NotificationFilter(django_filters.FilterSet):
    unread = StrictBooleanFilter(field_name="read_at", lookup_expr="isnull", help_text="true: only unread.")
    kind = django_filters.CharFilter()

    class Meta:
        model = Notification
        fields = ["unread", "kind"]
