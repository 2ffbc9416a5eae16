from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor_email", "target_type", "target_repr", "ip"]
    list_filter = ["action", "target_type"]
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
