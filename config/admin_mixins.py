"""What every app's admin shares.

ADMIN accounts are superusers and may do everything. STAFF accounts use the admin as their
approval console: a ModelAdmin with StaffScopedAdmin lets them see (and, where the subclass
allows, change) only the rows `staff_queryset` returns, with no Django permission set up by hand.
"""

from django.contrib import admin


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
