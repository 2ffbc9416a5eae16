"""Staff console for projects, tasks, entries and sessions. Changes go through the services, so
the API's rules (overlaps, archived projects, limits, audit) hold here too. STAFF see their
reports' entries and sessions, read only."""

from django import forms
from django.contrib import admin
from django.db.models import Q

from config.admin_mixins import (
    ListInline,
    ServiceDeleteMixin,
    ServiceSaveMixin,
    StaffScopedAdmin,
    form_changes,
    record_formset,
    run_service_action,
)
from tracking.models import Project, Session, SessionParticipant, Task, TimeEntry
from tracking.services import entries, projects, sessions


class ArchiveActionsMixin:
    """Archive and restore actions; `set_archived` is the model's service call. Never deleted:
    entries point at them."""

    actions = ["archive", "unarchive"]

    def set_archived(self, request, obj, archived: bool) -> None:
        raise NotImplementedError

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Archive selected %(verbose_name_plural)s")
    def archive(self, request, queryset):
        run_service_action(self, request, queryset, lambda obj: self.set_archived(request, obj, True), "Archived")

    @admin.action(description="Restore selected %(verbose_name_plural)s")
    def unarchive(self, request, queryset):
        run_service_action(self, request, queryset, lambda obj: self.set_archived(request, obj, False), "Restored")


class TaskInline(ListInline):
    model = Task
    fields = ["name", "archived"]
    show_change_link = True


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["code", "name", "color", "billable"]

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()

    def clean_color(self):
        return self.cleaned_data["color"].upper()


@admin.register(Project)
class ProjectAdmin(ArchiveActionsMixin, ServiceSaveMixin, admin.ModelAdmin):
    form = ProjectForm
    list_display = ["code", "name", "color", "billable", "archived", "updated_at"]
    list_filter = ["archived", "billable"]
    search_fields = ["code", "name", "uuid"]
    readonly_fields = ["uuid", "archived", "created_at", "updated_at"]
    fields = ["uuid", "code", "name", "color", "billable", "archived", "created_at", "updated_at"]
    inlines = [TaskInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = {field: form.cleaned_data[field] for field in projects.PROJECT_FIELDS}
        if change:
            changed = form_changes(form, data)
            self.save_through(
                request, lambda: projects.project_update(actor=request.user, project=obj, changes=changed)
            )
        else:
            self.create_through(request, obj, lambda: projects.project_create(actor=request.user, **data))

    def set_archived(self, request, obj, archived):
        projects.project_set_archived(actor=request.user, project=obj, archived=archived)


@admin.register(Task)
class TaskAdmin(ArchiveActionsMixin, ServiceSaveMixin, admin.ModelAdmin):
    list_display = ["name", "project", "archived", "updated_at"]
    list_filter = ["archived", ("project", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "project__code", "uuid"]
    list_select_related = ["project"]
    readonly_fields = ["uuid", "archived", "created_at", "updated_at"]
    fields = ["uuid", "project", "name", "archived", "created_at", "updated_at"]

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
            self.create_through(
                request, obj, lambda: projects.task_create(actor=request.user, project_id=project_id, name=name)
            )

    def set_archived(self, request, obj, archived):
        projects.task_set_archived(actor=request.user, task=obj, archived=archived)


def _reports_q(request, field: str) -> Q:
    return Q(**{field: request.user}) | Q(**{f"{field}__manager": request.user})


ENTRY_FORM_FIELDS = ("start", "end", "activity", "notes", "billable")


@admin.register(TimeEntry)
class TimeEntryAdmin(ServiceDeleteMixin, StaffScopedAdmin):
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
        self.update_through(
            request,
            obj,
            form_changes(form, ENTRY_FORM_FIELDS),
            lambda changes: entries.time_entry_update(actor=request.user, entry=obj, changes=changes),
        )

    def delete_through(self, request, obj):
        entries.time_entry_delete(actor=request.user, entry=obj)

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
        self.delete_each(request, queryset)


class LapInline(ListInline):
    model = TimeEntry
    fk_name = "session"
    fields = ["uuid", "user", "start", "end", "project", "task", "activity", "billable"]
    ordering = ["start"]
    verbose_name = "lap"


class ParticipantInline(ListInline):
    model = SessionParticipant
    fields = ["user", "joined_at", "left_at"]


@admin.register(Session)
class SessionAdmin(ServiceDeleteMixin, StaffScopedAdmin):
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
        self.update_through(
            request,
            obj,
            form_changes(form, ("title", "notes")),
            lambda changes: sessions.session_update(actor=request.user, session=obj, changes=changes),
        )

    def save_related(self, request, form, formsets, change):
        """The inlines are read only; nothing to save."""
        for formset in formsets:
            record_formset(formset)

    def delete_through(self, request, obj):
        sessions.session_delete(actor=request.user, session=obj)

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
        self.delete_each(request, queryset)
