from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Q

from accounts.models import Notification, User, UserSettings
from accounts.services.auth import revoke_user_tokens
from accounts.services.users import user_update_by_admin
from audit.models import Action
from audit.services import audit_record
from config.admin_mixins import StaffScopedAdmin
from config.errors import ApplicationError

# Changed through the same service the API uses, so audit rows, token revocation and the
# last-ADMIN rule apply here too.
SERVICE_FIELDS = ("role", "manager", "is_active", "display_name")


class UserCreateForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name", "role", "manager")

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"])


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


@admin.register(User)
class UserAdmin(StaffScopedAdmin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreateForm
    ordering = ["email"]
    list_display = ["email", "display_name", "role", "manager", "is_active", "date_joined", "last_login"]
    list_filter = ["role", "is_active", ("manager", admin.RelatedOnlyFieldListFilter), "country"]
    search_fields = ["email", "display_name", "uuid"]
    list_select_related = ["manager"]
    autocomplete_fields = ["manager"]
    readonly_fields = ["uuid", "is_staff", "is_superuser", "last_login", "date_joined"]
    inlines = [UserSettingsInline]
    fieldsets = (
        (None, {"fields": ("email", "password", "uuid")}),
        ("Profile", {"fields": ("display_name", "timezone", "country", "subdivision")}),
        ("Access", {"fields": ("role", "manager", "is_active", "is_staff", "is_superuser")}),
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

    def staff_queryset(self, request, queryset):
        return queryset.filter(Q(manager=request.user) | Q(pk=request.user.pk))

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        if not change:
            obj.apply_role(obj.role)
            super().save_model(request, obj, form, change)
            UserSettings.objects.get_or_create(user=obj)
            audit_record(actor=request.user, action=Action.USER_CREATE, target=obj, changes={"role": obj.role})
            return
        plain = [name for name in form.changed_data if name not in SERVICE_FIELDS and name != "password"]
        if plain:
            obj.save(update_fields=plain)
        managed = {name: form.cleaned_data[name] for name in SERVICE_FIELDS if name in form.changed_data}
        if managed:
            try:
                user_update_by_admin(actor=request.user, user=obj, **managed)
            except ApplicationError as exc:
                self.message_user(request, f"Not saved: {exc.message}", messages.ERROR)
            obj.refresh_from_db()

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, unquote(id))
            revoke_user_tokens(user)
            audit_record(actor=request.user, action=Action.USER_PASSWORD_RESET_BY_ADMIN, target=user)
        return response


@admin.register(UserSettings)
class UserSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "theme", "week_start", "time_format", "updated_at"]
    list_filter = ["theme", "week_start", "time_format"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "message", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "message", "kind"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"
    readonly_fields = ["uuid"]
