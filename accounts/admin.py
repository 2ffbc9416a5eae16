from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db import transaction
from django.db.models import Q

from accounts.console_login import ConsolePasswordForm
from accounts.models import ClientPreferences, Notification, User, UserSettings
from accounts.services import settings as user_settings
from accounts.services.mfa import mfa_reset_by_admin, mfa_status
from accounts.services.users import (
    manager_check,
    user_create_by_admin,
    user_password_reset_by_admin,
    user_update_by_admin,
)
from config.admin_mixins import (
    ListInline,
    ServiceSaveMixin,
    StaffScopedAdmin,
    form_changes,
    record_formset,
    run_service_action,
)
from config.errors import ValidationFailed

# The console's sign-in asks for the second factor of accounts that have one (accounts.console_login,
# mounted at the login URL by config/urls.py).
admin.site.login_form = ConsolePasswordForm


class UserCreateForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name", "role", "manager")

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"])

    def clean_manager(self):
        # The add view cannot show a service's refusal once it saves, so the service's rule on
        # managers is asked here, where the form can still show it.
        manager = self.cleaned_data.get("manager")
        if manager is not None:
            try:
                manager_check(user=None, manager=manager)
            except ValidationFailed as exc:
                raise forms.ValidationError(exc.message) from exc
        return manager


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"])


class UserSettingsInline(admin.StackedInline):
    model = UserSettings
    can_delete = False
    extra = 0


class ClientPreferencesInline(ListInline):
    """What the client apps keep for the user (JLC's display settings): shown, never edited here;
    the user changes them in that app."""

    model = ClientPreferences
    fields = ["client", "data", "updated_at"]
    verbose_name_plural = "client app preferences"


@admin.register(User)
class UserAdmin(ServiceSaveMixin, StaffScopedAdmin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    ordering = ["email"]
    list_display = ["email", "display_name", "role", "manager", "is_active", "date_joined", "last_login"]
    list_filter = ["role", "is_active", ("manager", admin.RelatedOnlyFieldListFilter), "country"]
    search_fields = ["email", "display_name", "uuid"]
    list_select_related = ["manager"]
    autocomplete_fields = ["manager"]
    readonly_fields = [
        "uuid",
        "email_verified",
        "pending_email",
        "two_factor",
        "is_staff",
        "is_superuser",
        "last_login",
        "date_joined",
    ]
    inlines = [UserSettingsInline, ClientPreferencesInline]
    actions = ["reset_two_factor"]
    fieldsets = (
        (None, {"fields": ("email", "email_verified", "pending_email", "password", "uuid")}),
        ("Profile", {"fields": ("display_name", "timezone", "country", "subdivision")}),
        ("Access", {"fields": ("role", "manager", "is_active", "two_factor", "is_staff", "is_superuser")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "display_name", "role", "manager", "usable_password", "password1", "password2"),
            },
        ),
    )

    @admin.display(description="Two-factor sign-in")
    def two_factor(self, obj):
        status = mfa_status(user=obj)
        if not status.enabled:
            return "Required, not set up" if status.required else "Off"
        return f"On since {status.confirmed_at:%Y-%m-%d}; {status.recovery_codes_left} recovery codes left"

    @admin.action(description="Reset two-factor sign-in (a lost authenticator and recovery codes)")
    def reset_two_factor(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda user: mfa_reset_by_admin(actor=request.user, user=user),
            "Two-factor sign-in reset",
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.is_admin_role:
            actions.pop("reset_two_factor", None)
        return actions

    def staff_queryset(self, request, queryset):
        return queryset.filter(Q(manager=request.user) | Q(pk=request.user.pk))

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        """Creation and changes go through the account services (audit rows, token revocation,
        the last-ADMIN rule); the password has its own view."""
        if not change:
            data = form.cleaned_data
            created = user_create_by_admin(
                actor=request.user,
                email=data["email"],
                password=data.get("password1") if data.get("set_usable_password", True) else None,
                display_name=data.get("display_name", ""),
                role=data["role"],
                manager=data.get("manager"),
            )
            obj.pk = created.pk
            obj.refresh_from_db()
            return
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name != "password"}
        if changes:
            self.save_through(request, lambda: user_update_by_admin(actor=request.user, user=obj, changes=changes))
        obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        """The settings inline saves through the settings service (validators, audit row)."""
        if formset.model is not UserSettings:
            return super().save_formset(request, form, formset, change)
        new, changed = [], []
        for settings_form in formset.forms:
            changes = form_changes(settings_form, user_settings.UPDATABLE)
            if not changes or not self._save_settings(request, form.instance, changes):
                continue
            if settings_form.instance._state.adding:
                new.append(settings_form.instance)
            else:
                changed.append((settings_form.instance, list(changes)))
        record_formset(formset, new=new, changed=changed)

    def _save_settings(self, request, user, changes) -> bool:
        return self.save_through(
            request, lambda: user_settings.user_settings_update(actor=request.user, user=user, changes=changes)
        )

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            # Success redirects to the change page; a conflicting submission back to this one.
            if request.method == "POST" and response.status_code == 302 and response.url != request.get_full_path():
                user_password_reset_by_admin(actor=request.user, user=self.get_object(request, unquote(id)))
        return response


@admin.register(UserSettings)
class UserSettingsAdmin(ServiceSaveMixin, admin.ModelAdmin):
    """Settings save through the settings service, like the user page's inline."""

    list_display = ["user", "theme", "week_start", "time_format", "updated_at"]
    list_filter = ["theme", "week_start", "time_format"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        return ["user"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        def update(changes):
            return user_settings.user_settings_update(actor=request.user, user=obj.user, changes=changes)

        if change:
            self.update_through(request, obj, form_changes(form, user_settings.UPDATABLE), update)
        else:  # a new row: every field as the form has it
            values = {name: form.cleaned_data[name] for name in user_settings.UPDATABLE}
            self.save_through(request, lambda: update(values))


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "message", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "message", "kind"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"
    readonly_fields = ["uuid"]
