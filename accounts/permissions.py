from rest_framework.permissions import BasePermission

from accounts.models import Role


class IsStaffOrAdmin(BasePermission):
    message = "Only STAFF or ADMIN accounts can do this."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.role in (Role.STAFF, Role.ADMIN))


class IsAdminRole(BasePermission):
    message = "Only ADMIN accounts can do this."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.role == Role.ADMIN)
