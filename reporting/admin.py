"""The report forms are data: an administrator adds a field or a whole form here, no code change.
Every change is audited (core.admin.AuditedAdmin), inline rows included."""

from django.contrib import admin

from core import audit
from core.access import can
from core.admin import AuditedAdmin

from .models import FormField, FormSection, ReportForm


class PolicyInline(admin.TabularInline):
    """Inlines follow core.access like the admin pages (not Django's per-model permissions)."""

    extra = 0

    def has_view_permission(self, request, obj=None):
        return can(request.user, "admin.site")

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission


class FormSectionInline(PolicyInline):
    model = FormSection
    fields = ["code", "title", "short_title", "title_en", "short_title_en", "owner_kind", "order"]


class FormFieldInline(PolicyInline):
    model = FormField
    fields = [
        "code",
        "label",
        "short_label",
        "label_en",
        "short_label_en",
        "part",
        "kind",
        "required",
        "in_total",
        "order",
        "help_text",
    ]


class AuditedInlinesAdmin(AuditedAdmin):
    def save_formset(self, request, form, formset, change):
        before = {obj.pk: audit.snapshot(obj) for obj in formset.queryset}
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            audit.record(request.user, f"{obj._meta.model_name}.create", obj, after=audit.snapshot(obj), note="admin")
        for obj, _fields in formset.changed_objects:
            audit.record(
                request.user,
                f"{obj._meta.model_name}.update",
                obj,
                before=before.get(obj.pk),
                after=audit.snapshot(obj),
                note="admin",
            )
        for obj in formset.deleted_objects:
            audit.record(request.user, f"{obj._meta.model_name}.delete", None, before=before.get(obj.pk), note="admin")


@admin.register(ReportForm)
class ReportFormAdmin(AuditedInlinesAdmin):
    list_display = ["title", "code", "unit_level", "weekly", "due_weekday", "due_time", "window_days", "is_active"]
    inlines = [FormSectionInline]


@admin.register(FormSection)
class FormSectionAdmin(AuditedInlinesAdmin):
    list_display = ["title", "form", "owner_kind", "order"]
    list_filter = ["form"]
    inlines = [FormFieldInline]
