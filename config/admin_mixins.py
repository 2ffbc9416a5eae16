"""What every app's admin shares.

ADMIN accounts are superusers and may do everything. STAFF accounts use the admin as their
approval console: a ModelAdmin with StaffScopedAdmin lets them see (and, where the subclass
allows, change) only the rows `staff_queryset` returns, with no Django permission set up by hand.

Changes made in the admin go through the apps' services: actions through `run_service_action`,
change forms through `ServiceSaveMixin.save_through`; a service's refusal is shown as a message.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages

from config.errors import ApplicationError


def run_service_action(
    modeladmin: admin.ModelAdmin, request, objects: Iterable[Any], call: Callable[[Any], object], done: str
) -> None:
    """Apply a service to each object and report successes and refusals: one error message per
    refused object, then `"{done}: {count}."` when any succeeded."""
    succeeded = 0
    for obj in objects:
        try:
            call(obj)
            succeeded += 1
        except ApplicationError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
    if succeeded:
        modeladmin.message_user(request, f"{done}: {succeeded}.", messages.SUCCESS)


class ServiceSaveMixin:
    """Saves from change forms go through a service; a refusal is shown instead of saved."""

    def save_through(self, request, call: Callable[[], object]) -> None:
        try:
            call()
        except ApplicationError as exc:
            self.message_user(request, f"Not saved: {exc.message}", messages.ERROR)


class StaffScopedAdmin(admin.ModelAdmin):
    staff_can_view = True
    staff_can_change = False

    def staff_queryset(self, request, queryset):
        raise NotImplementedError

    def _is_staff_role(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and not user.is_superuser

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self._is_staff_role(request):
            return self.staff_queryset(request, queryset)
        return queryset

    def has_module_permission(self, request):
        return super().has_module_permission(request) or (self._is_staff_role(request) and self.staff_can_view)

    def has_view_permission(self, request, obj=None):
        if self._is_staff_role(request):
            return self.staff_can_view or self.staff_can_change
        return super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if self._is_staff_role(request):
            return self.staff_can_change
        return super().has_change_permission(request, obj)
