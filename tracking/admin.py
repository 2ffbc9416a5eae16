"""Staff console for projects, tasks, entries and sessions. Changes go through the services, so
the API's rules (overlaps, archived projects, limits, audit) hold here too. STAFF see their
reports' entries and sessions, read only."""

from django import forms
from django.contrib import admin
from django.db.models import Q

from config.admin_mixins import ServiceSaveMixin, StaffScopedAdmin, run_service_action
from tracking.models import Project, Session, SessionParticipant, Task, TimeEntry
from tracking.services import entries, projects, sessions


class TaskInline(admin.TabularInline):
    model = Task
    extra = 0
    fields = ["name", "archived"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["code", "name", "color", "billable"]

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()

    def clean_color(self):
        return self.cleaned_data["color"].upper()


@admin.register(Project)
class ProjectAdmin(ServiceSaveMixin, admin.ModelAdmin):
    form = ProjectForm
    list_display = ["code", "name", "color", "billable", "archived", "updated_at"]
    list_filter = ["archived", "billable"]
    search_fields = ["code", "name", "uuid"]
    readonly_fields = ["uuid", "archived", "created_at", "updated_at"]
    fields = ["uuid", "code", "name", "color", "billable", "archived", "created_at", "updated_at"]
    inlines = [TaskInline]
    actions = ["archive", "unarchive"]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in projects.PROJECT_FIELDS}
        if change:
            changed = {field: data[field] for field in form.changed_data if field in data}
            self.save_through(
                request, lambda: projects.project_update(actor=request.user, project=obj, changes=changed)
            )
        else:
            self.save_through(request, lambda: _copy_pk(obj, projects.project_create(actor=request.user, **data)))

    def has_delete_permission(self, request, obj=None):
        return False  # projects are archived, never deleted: entries point at them

    @admin.action(description="Archive selected projects")
    def archive(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda p: projects.project_set_archived(actor=request.user, project=p, archived=True),
            "Archived",
        )

    @admin.action(description="Restore selected projects")
    def unarchive(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda p: projects.project_set_archived(actor=request.user, project=p, archived=False),
            "Restored",
        )


def _copy_pk(target, created) -> None:
    """After a service created the row, point the admin's unsaved instance at it (the admin
    redirects to it and logs the addition)."""
    target.pk = created.pk
    target.uuid = created.uuid


@admin.register(Task)
class TaskAdmin(ServiceSaveMixin, admin.ModelAdmin):
    list_display = ["name", "project", "archived", "updated_at"]
    list_filter = ["archived", ("project", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "project__code", "uuid"]
    list_select_related = ["project"]
    readonly_fields = ["uuid", "archived", "created_at", "updated_at"]
    fields = ["uuid", "project", "name", "archived", "created_at", "updated_at"]
    actions = ["archive", "unarchive"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "project"] if obj is not None else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            kwargs["queryset"] = Project.objects.filter(archived=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if change:
            changes = {"name": form.cleaned_data["name"]}
            self.save_through(request, lambda: projects.task_update(actor=request.user, task=obj, changes=changes))
        else:
            project_id, name = form.cleaned_data["project"].uuid, form.cleaned_data["name"]
            self.save_through(
                request,
                lambda: _copy_pk(obj, projects.task_create(actor=request.user, project_id=project_id, name=name)),
            )

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Archive selected tasks")
    def archive(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda t: projects.task_set_archived(actor=request.user, task=t, archived=True),
            "Archived",
        )

    @admin.action(description="Restore selected tasks")
    def unarchive(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset,
            lambda t: projects.task_set_archived(actor=request.user, task=t, archived=False),
            "Restored",
        )


def _reports_q(request, field: str) -> Q:
    return Q(**{field: request.user}) | Q(**{f"{field}__manager": request.user})


ENTRY_FORM_FIELDS = {"start": "start", "end": "end", "activity": "activity", "notes": "notes", "billable": "billable"}


@admin.register(TimeEntry)
class TimeEntryAdmin(ServiceSaveMixin, StaffScopedAdmin):
    list_display = ["user", "start", "end", "project", "task", "activity", "billable", "session"]
    list_filter = [
        ("user", admin.RelatedOnlyFieldListFilter),
        ("project", admin.RelatedOnlyFieldListFilter),
        "billable",
    ]
    search_fields = ["user__email", "activity", "notes", "project__code", "uuid"]
    date_hierarchy = "start"
    list_select_related = ["user", "project", "task", "session"]
    readonly_fields = ["uuid", "user", "session", "project", "task", "created_at", "updated_at"]
    fields = ["uuid", "user", "start", "end", "project", "task", "activity", "notes", "billable", "session"]
    actions = ["stop_timers", "delete_entries"]

    def staff_queryset(self, request, queryset):
        return queryset.filter(_reports_q(request, "user"))

    def has_add_permission(self, request):
        return False  # entries are written by their owners (or an ADMIN) through the API

    def save_model(self, request, obj, form, change):
        changes = {
            ENTRY_FORM_FIELDS[name]: form.cleaned_data[name] for name in form.changed_data if name in ENTRY_FORM_FIELDS
        }
        if changes:  # the service reloads the row under its lock
            self.save_through(
                request, lambda: entries.time_entry_update(actor=request.user, entry=obj, changes=changes)
            )
        obj.refresh_from_db()

    def delete_model(self, request, obj):
        self.save_through(request, lambda: entries.time_entry_delete(actor=request.user, entry=obj))

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # replaced by delete_entries, which goes through the service
        return actions

    @admin.action(description="Stop selected running timers", permissions=["change"])
    def stop_timers(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset.filter(end__isnull=True),
            lambda e: entries.timer_stop(actor=request.user, entry=e),
            "Stopped",
        )

    @admin.action(description="Delete selected entries", permissions=["delete"])
    def delete_entries(self, request, queryset):
        run_service_action(
            self, request, queryset, lambda e: entries.time_entry_delete(actor=request.user, entry=e), "Deleted"
        )


class LapInline(admin.TabularInline):
    model = TimeEntry
    fk_name = "session"
    extra = 0
    fields = ["uuid", "user", "start", "end", "project", "task", "activity", "billable"]
    readonly_fields = fields
    can_delete = False
    ordering = ["start"]
    verbose_name = "lap"

    def has_add_permission(self, request, obj=None):
        return False


class ParticipantInline(admin.TabularInline):
    model = SessionParticipant
    extra = 0
    fields = ["user", "joined_at", "left_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Session)
class SessionAdmin(ServiceSaveMixin, StaffScopedAdmin):
    list_display = ["__str__", "owner", "status", "started_at", "ended_at", "created_at"]
    list_filter = ["status", ("owner", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "owner__email", "uuid"]
    date_hierarchy = "created_at"
    list_select_related = ["owner"]
    readonly_fields = ["uuid", "owner", "status", "started_at", "ended_at", "created_at", "updated_at"]
    fields = ["uuid", "owner", "title", "notes", "status", "started_at", "ended_at", "created_at", "updated_at"]
    inlines = [LapInline, ParticipantInline]
    actions = ["stop_sessions", "delete_sessions"]

    def staff_queryset(self, request, queryset):
        return queryset.filter(_reports_q(request, "owner"))

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in ("title", "notes")}
        if changes:  # the service reloads the row under its lock
            self.save_through(
                request, lambda: sessions.session_update(actor=request.user, session=obj, changes=changes)
            )
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """The inlines are read only; nothing to save."""

    def delete_model(self, request, obj):
        self.save_through(request, lambda: sessions.session_delete(actor=request.user, session=obj))

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Stop selected sessions", permissions=["change"])
    def stop_sessions(self, request, queryset):
        run_service_action(
            self,
            request,
            queryset.exclude(status="stopped"),
            lambda s: sessions.session_stop(actor=request.user, session=s),
            "Stopped",
        )

    @admin.action(description="Delete selected sessions and their laps", permissions=["delete"])
    def delete_sessions(self, request, queryset):
        run_service_action(
            self, request, queryset, lambda s: sessions.session_delete(actor=request.user, session=s), "Deleted"
        )
