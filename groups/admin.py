"""Staff console for groups: read-only views of groups with their members, and of invites. The
one change made here, archiving, goes through the same service as the daily expiry job. Members
and settings are managed by the groups' owners through the API."""

from django.contrib import admin
from django.db.models import Count

from config.admin_mixins import ListInline, ReadOnlyAdmin, ReadOnlyMixin, run_service_action
from groups.models import Group, GroupSession, Invite, Membership
from groups.services.groups import group_archive


class ReadOnlyInline(ReadOnlyMixin, ListInline):
    pass


class MembershipInline(ReadOnlyInline):
    model = Membership
    fields = ["user", "role", "goal_minutes", "muted", "joined_at"]
    ordering = ["joined_at"]


class GroupSessionInline(ReadOnlyInline):
    model = GroupSession
    fields = ["session", "created_at"]
    ordering = ["-created_at"]
    verbose_name = "session"


@admin.register(Group)
class GroupAdmin(ReadOnlyAdmin):
    list_display = ["name", "owner", "status", "goal_minutes", "period", "timezone", "ends_on", "members"]
    list_filter = ["status", "period"]
    search_fields = ["name", "owner__email", "uuid"]
    list_select_related = ["owner"]
    fields = [
        "uuid",
        "name",
        "description",
        "owner",
        "status",
        "goal_minutes",
        "period",
        "timezone",
        "ends_on",
        "created_at",
        "updated_at",
        "archived_at",
    ]
    readonly_fields = fields
    inlines = [MembershipInline, GroupSessionInline]
    actions = ["archive_groups"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("memberships"))

    @admin.display(description="members", ordering="member_total")
    def members(self, group):
        return group.member_total

    @admin.action(description="Archive selected groups (members are notified)")
    def archive_groups(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset.order_by("pk"),
            lambda group: group_archive(actor=request.user, group=group),
            "Archived",
        )


@admin.register(Invite)
class InviteAdmin(ReadOnlyAdmin):
    list_display = ["email", "group", "inviter", "status", "created_at", "expires_at", "responded_at"]
    list_filter = ["status"]
    search_fields = ["email", "group__name", "uuid"]
    list_select_related = ["group", "inviter"]
    fields = ["uuid", "group", "inviter", "invitee", "email", "status", "created_at", "expires_at", "responded_at"]
    readonly_fields = fields
