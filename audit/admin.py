from django.contrib import admin

from audit.models import Action, AuditEvent


class ActionFilter(admin.SimpleListFilter):
    """The action filter lists the registry's labels (the column stores the dotted value)."""

    title = "action"
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return Action.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(action=self.value())
        return queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor_email", "target_type", "target_repr", "ip"]
    list_filter = [ActionFilter, "target_type"]
    search_fields = ["actor_email", "target_id", "target_repr", "ip"]
    date_hierarchy = "created_at"
    list_select_related = ["actor"]
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
