"""The approval console. A STAFF sees their reports' leave requests, pending first, with what
each costs, the balance left after approval and how many teammates are off then, and approves or
rejects them in bulk through the same services as the API (each row reports its own result). An
ADMIN also keeps the policy here: leave types, company holidays, work patterns and the ledger
(read only; the "add" form writes an allocation or adjustment row)."""

from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.views.main import ChangeList
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from config.admin_mixins import ReadOnlyMixin, ServiceDeleteMixin, ServiceSaveMixin, StaffScopedAdmin, form_changes
from config.errors import ApplicationError
from leave.models import WEEKDAYS, Holiday, LeaveLedgerEntry, LeaveRequest, LeaveType, LedgerKind, WorkPattern
from leave.selectors.balances import balance_figures, leave_balances
from leave.selectors.requests import PENDING_FIRST, clashes_elsewhere, teammates_off
from leave.services import policy
from leave.services import requests as svc
from leave.services.notify import show_days

BALANCE_FIGURES = (
    "allocated",
    "accrued",
    "carried_over",
    "adjusted",
    "taken",
    "pending",
    "expired",
    "remaining",
    "available",
)


class NotSavedMixin:
    """When the service refused an addition (shown as a message), stay on the add form."""

    def log_addition(self, request, obj, message):
        if obj.pk is not None:
            super().log_addition(request, obj, message)

    def response_add(self, request, obj, post_url_continue=None):
        if obj.pk is None:
            return HttpResponseRedirect(request.path)
        return super().response_add(request, obj, post_url_continue)


# --- Requests: the approval console ---------------------------------------------------------


class RejectForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=1000,
        help_text="Sent to each requester with the decision.",
    )


class RequestChangeList(ChangeList):
    """Loads the figures of the page's rows in a fixed number of queries (balances, teammates,
    what clashes with them elsewhere)."""

    def get_results(self, request):
        super().get_results(request)
        rows = list(self.result_list)
        keys = {(r.user_id, r.leave_type_id, int(year)) for r in rows for year in (r.days_by_year or {})}
        figures = balance_figures(keys=keys)
        off = teammates_off(rows)
        clashes = clashes_elsewhere(rows)
        for row, found in zip(rows, clashes, strict=True):
            row.clashes = found
            row.figures_by_year = {
                int(year): figures[(row.user_id, row.leave_type_id, int(year))] for year in (row.days_by_year or {})
            }
            row.teammates_off = off.get(row.pk, 0)


@admin.register(LeaveRequest)
class LeaveRequestAdmin(StaffScopedAdmin):
    list_display = [
        "requester",
        "leave_type",
        "dates",
        "cost",
        "status",
        "available_after_approval",
        "teammates_off_then",
        "clashes_then",
        "approver",
    ]
    list_display_links = ["requester"]
    list_filter = ["status", "leave_type"]
    search_fields = ["user__email", "user__display_name", "uuid"]
    list_select_related = ["user", "leave_type", "approver"]
    fields = [
        "uuid",
        "user",
        "leave_type",
        "start_date",
        "start_half",
        "end_date",
        "end_half",
        "days",
        "reason",
        "status",
        "approver",
        "decided_at",
        "decision_note",
        "balance",
        "clashes",
        "created_at",
        "updated_at",
    ]
    readonly_fields = fields
    actions = ["approve_selected", "reject_selected"]

    def staff_queryset(self, request, queryset):
        return queryset.filter(user__manager=request.user)

    def get_ordering(self, request):
        return [PENDING_FIRST.asc(), "start_date", "pk"]

    def get_changelist(self, request, **kwargs):
        return RequestChangeList

    def has_add_permission(self, request):
        return False  # requests are made by their owners through the API

    def has_change_permission(self, request, obj=None):
        return False  # decisions are actions; nothing is edited by hand

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description="requester", ordering="user__email")
    def requester(self, obj):
        return f"{obj.user.display_name} ({obj.user.email})" if obj.user.display_name else obj.user.email

    @admin.display(description="dates", ordering="start_date")
    def dates(self, obj):
        start = f"{obj.start_date:%Y-%m-%d}" + (" (afternoon)" if obj.start_half == "afternoon" else "")
        if obj.start_date == obj.end_date and obj.end_half == "full":
            return start
        return f"{start} – {obj.end_date:%Y-%m-%d}" + (" (morning)" if obj.end_half == "morning" else "")

    @admin.display(description="days", ordering="days")
    def cost(self, obj):
        return show_days(obj.days)

    @admin.display(description="available after approval")
    def available_after_approval(self, obj):
        if not obj.leave_type.deducts_balance:
            return "no balance"
        figures = getattr(obj, "figures_by_year", {})
        # `available` already sets the pending request's days aside: it is what approving leaves.
        return ", ".join(f"{year}: {show_days(f.available)}" for year, f in sorted(figures.items())) or "–"

    @admin.display(description="teammates off")
    def teammates_off_then(self, obj):
        return getattr(obj, "teammates_off", "–")

    @admin.display(description="clashes")
    def clashes_then(self, obj):
        return _clash_lines(getattr(obj, "clashes", []))

    @admin.display(description="clashes")
    def clashes(self, obj):
        """What else the requester is booked for in these days (appointments they serve, say):
        what approving would clash with. Pending and approved requests only."""
        (found,) = clashes_elsewhere([obj])
        return _clash_lines(found, empty="None")

    @admin.display(description="balance")
    def balance(self, obj):
        years = sorted({int(year) for year in obj.days_by_year} or {obj.start_date.year})
        rows = [
            (balance.year, *(show_days(getattr(balance, name)) for name in BALANCE_FIGURES))
            for year in years
            for balance in leave_balances(user=obj.user, year=year)
            if balance.leave_type.pk == obj.leave_type_id
        ]
        head = format_html_join(
            "", "<th>{}</th>", (("year",), *((name.replace("_", " "),) for name in BALANCE_FIGURES))
        )
        body = format_html_join("", "<tr>" + "<td>{}</td>" * (len(BALANCE_FIGURES) + 1) + "</tr>", rows)
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)

    def _report(self, request, leave_request, verb: str, call) -> None:
        try:
            result = call()
        except ApplicationError as exc:
            self.message_user(request, f"Not {verb}: {leave_request} — {exc.message}", messages.WARNING)
            return
        warnings = getattr(result, "warnings", [])
        extra = "".join(f" Warning: {w['message']}" for w in warnings)
        self.message_user(request, f"{verb.capitalize()}: {leave_request}.{extra}", messages.SUCCESS)

    @admin.action(description="Approve selected", permissions=["decide"])
    def approve_selected(self, request, queryset):
        for leave_request in queryset.order_by("pk"):
            self._report(
                request,
                leave_request,
                "approved",
                lambda r=leave_request: svc.leave_request_approve(actor=request.user, request=r),
            )

    @admin.action(description="Reject selected", permissions=["decide"])
    def reject_selected(self, request, queryset):
        if "apply" in request.POST:
            form = RejectForm(request.POST)
            if form.is_valid():
                note = form.cleaned_data["note"]
                for leave_request in queryset.order_by("pk"):
                    self._report(
                        request,
                        leave_request,
                        "rejected",
                        lambda r=leave_request: svc.leave_request_reject(actor=request.user, request=r, note=note),
                    )
                return None
        else:
            form = RejectForm()
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject leave requests",
            "opts": self.model._meta,
            "requests": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/leave/leaverequest/reject_selected.html", context)


def _clash_lines(clashes: list[dict], *, empty: str = "–"):
    if not clashes:
        return empty
    return format_html_join(mark_safe("<br>"), "{}", ((clash["message"],) for clash in clashes))


# --- Policy: ADMIN only ---------------------------------------------------------------------


class LeaveTypeForm(forms.ModelForm):
    class Meta:
        model = LeaveType
        fields = policy.LEAVE_TYPE_FIELDS

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()


@admin.register(LeaveType)
class LeaveTypeAdmin(NotSavedMixin, ServiceSaveMixin, admin.ModelAdmin):
    form = LeaveTypeForm
    list_display = ["code", "name", "paid", "requires_approval", "deducts_balance", "annual_days", "accrual", "active"]
    list_filter = ["active", "accrual", "deducts_balance"]
    search_fields = ["code", "name"]

    def save_model(self, request, obj, form, change):
        if change:
            changes = form_changes(form, policy.LEAVE_TYPE_FIELDS)
            self.update_through(
                request, obj, changes, lambda c: policy.leave_type_update(actor=request.user, leave_type=obj, changes=c)
            )
            return
        data = {name: form.cleaned_data[name] for name in policy.LEAVE_TYPE_FIELDS}
        self.create_through(request, obj, lambda: policy.leave_type_create(actor=request.user, **data))

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: requests and ledger rows refer to it


@admin.register(Holiday)
class HolidayAdmin(NotSavedMixin, ServiceDeleteMixin, admin.ModelAdmin):
    list_display = ["date", "name", "country", "subdivision", "half_day"]
    list_filter = ["half_day", "country"]
    search_fields = ["name"]
    date_hierarchy = "date"
    fields = list(policy.HOLIDAY_FIELDS)
    actions = ["delete_holidays"]

    def save_model(self, request, obj, form, change):
        if change:
            changes = form_changes(form, policy.HOLIDAY_FIELDS)
            self.update_through(
                request, obj, changes, lambda c: policy.holiday_update(actor=request.user, holiday=obj, changes=c)
            )
            return
        data = {name: form.cleaned_data[name] for name in policy.HOLIDAY_FIELDS}
        self.create_through(request, obj, lambda: policy.holiday_create(actor=request.user, **data))

    def delete_through(self, request, obj) -> None:
        policy.holiday_delete(actor=request.user, holiday=obj)

    @admin.action(description="Delete selected holidays", permissions=["delete"])
    def delete_holidays(self, request, queryset):
        self.delete_each(request, queryset)


@admin.register(WorkPattern)
class WorkPatternAdmin(NotSavedMixin, ServiceSaveMixin, admin.ModelAdmin):
    list_display = ["user", "valid_from", *WEEKDAYS]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    fields = ["user", "valid_from", *WEEKDAYS]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "valid_from"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        hours = {day: form.cleaned_data.get(day, getattr(obj, day)) for day in WEEKDAYS}
        user, valid_from = obj.user, obj.valid_from
        self.create_through(
            request,
            obj,
            lambda: policy.work_pattern_set(actor=request.user, user=user, hours=hours, valid_from=valid_from),
        )

    def has_delete_permission(self, request, obj=None):
        return False


class AdjustmentForm(forms.ModelForm):
    kind = forms.ChoiceField(
        choices=[(LedgerKind.ALLOCATION, "Allocation"), (LedgerKind.ADJUSTMENT, "Adjustment")],
        initial=LedgerKind.ADJUSTMENT,
    )
    days = forms.DecimalField(max_digits=6, decimal_places=1, help_text="Signed, in half-day steps (e.g. -1.5).")

    class Meta:
        model = LeaveLedgerEntry
        fields = ["user", "leave_type", "year", "kind", "days", "note"]


@admin.register(LeaveLedgerEntry)
class LeaveLedgerEntryAdmin(NotSavedMixin, ServiceSaveMixin, ReadOnlyMixin, admin.ModelAdmin):
    """Rows are read only; "Add" writes a new allocation or adjustment row (the ledger's correction)."""

    list_display = ["created_at", "user", "leave_type", "year", "kind", "days", "period", "request", "actor", "note"]
    list_filter = ["kind", "leave_type", "year"]
    search_fields = ["user__email", "note", "period"]
    list_select_related = ["user", "leave_type", "request", "actor"]
    autocomplete_fields = ["user"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = AdjustmentForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "leave_type", "year", "kind", "days", "note"]
        return [
            "uuid",
            "user",
            "leave_type",
            "year",
            "kind",
            "days",
            "period",
            "request",
            "note",
            "actor",
            "created_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj is not None else []

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        self.create_through(
            request,
            obj,
            lambda: policy.leave_allocation_create(
                actor=request.user,
                user=data["user"],
                leave_type=data["leave_type"],
                year=data["year"],
                days=Decimal(data["days"]),
                kind=data["kind"],
                note=data.get("note", ""),
            ),
        )
