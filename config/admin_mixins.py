"""What every app's admin shares.

ADMIN accounts are superusers and may do everything. STAFF accounts use the admin as their
approval console: a ModelAdmin with StaffScopedAdmin lets them see (and, where the subclass
allows, change) only the rows `staff_queryset` returns, with no Django permission set up by hand.

Changes made in the admin go through the apps' services: actions through `run_service_action`,
change forms through `ServiceSaveMixin.save_through`, deletes through `ServiceDeleteMixin`; a
service's refusal is shown as a message. Pages that only show use `ReadOnlyAdmin`, and rows listed
under their parent `ListInline`.
"""

from collections.abc import Callable, Iterable, Mapping
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


def form_changes(form, names: Iterable[str]) -> dict[str, Any]:
    """The cleaned values of the fields among `names` that the form changed."""
    return {name: form.cleaned_data[name] for name in form.changed_data if name in names}


class ServiceSaveMixin:
    """Saves from change forms go through a service; a refusal is shown instead of saved."""

    def save_through(self, request, call: Callable[[], object]) -> bool:
        """Whether the service saved; when it refused, the page says why."""
        try:
            call()
        except ApplicationError as exc:
            self.message_user(request, f"Not saved: {exc.message}", messages.ERROR)
            return False
        return True

    def create_through(self, request, obj, call: Callable[[], Any]) -> bool:
        """Add with `call()`, a service that returns the new row, and point the admin's unsaved
        `obj` at that row (the admin redirects to it and logs the addition). Whether it saved."""

        def create() -> None:
            created = call()
            obj.pk = created.pk
            if hasattr(created, "uuid"):
                obj.uuid = created.uuid

        return self.save_through(request, create)

    def update_through(self, request, obj, changes: Mapping[str, Any], call: Callable[[Mapping], object]) -> None:
        """Save a change form's `changes` (when there are any) with `call(changes)`, a service that
        reloads the row under its lock, then reload `obj` for the page the admin shows next."""
        if changes:
            self.save_through(request, lambda: call(changes))
        obj.refresh_from_db()


def record_formset(formset, *, new: Iterable[Any] = (), changed: Iterable[tuple[Any, list[str]]] = ()) -> None:
    """For a formset saved through a service (or, by default, one that saves nothing): what
    `formset.save()` records for the admin's change message."""
    formset.new_objects = list(new)
    formset.changed_objects = list(changed)
    formset.deleted_objects = []


class ServiceDeleteMixin(ServiceSaveMixin):
    """Deletes go through the subclass's `delete_through(request, obj)`, a service call: one from
    the delete page, many from an action that calls `delete_each`. Django's bulk "delete
    selected", which would delete without the service, is not offered."""

    def delete_through(self, request, obj) -> None:
        raise NotImplementedError

    def delete_model(self, request, obj):
        self.save_through(request, lambda: self.delete_through(request, obj))

    def delete_each(self, request, queryset) -> None:
        run_service_action(self, request, queryset, lambda obj: self.delete_through(request, obj), "Deleted")

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class ReadOnlyMixin:
    """Nothing is added, changed or deleted here; the page only shows."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    pass


class ListInline(admin.TabularInline):
    """Rows listed under their parent, every field read only: none is added or deleted here
    (with `show_change_link`, each links to its own page)."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


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
