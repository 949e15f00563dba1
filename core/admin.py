"""Django admin for configuration, for administrators. Every save or delete is audited; the
audit log itself is read-only here."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group

from . import audit
from .access import can
from .models import ApiToken, AuditEvent, Contact, Organisation, OrgUnit, Person

# Roles, not Django groups, decide access (core.access); hide groups to avoid a second system.
admin.site.unregister(Group)


class AuditedAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return can(request.user, "admin.site")

    def has_view_permission(self, request, obj=None):
        return can(request.user, "admin.site")

    has_add_permission = has_change_permission = has_delete_permission = lambda self, request, obj=None: can(
        request.user, "admin.site"
    )

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        label = obj._meta.model_name
        audit.record(
            request.user,
            f"{label}.{'update' if change else 'create'}",
            obj,
            before=before,
            after=audit.snapshot(obj),
            note="admin",
        )

    def delete_model(self, request, obj):
        before = audit.snapshot(obj)
        audit.record(request.user, f"{obj._meta.model_name}.delete", obj, before=before, note="admin")
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(OrgUnit)
class OrgUnitAdmin(AuditedAdmin):
    list_display = ["code", "name", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name", "search_key"]
    raw_id_fields = ["parent"]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "kind", "org_unit", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name"]
    raw_id_fields = ["org_unit", "parent"]


@admin.register(Person)
class PersonAdmin(AuditedAdmin, UserAdmin):
    list_display = ["username", "full_name", "role", "organisation", "is_active"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "email"]
    ordering = ["full_name"]
    raw_id_fields = ["organisation"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("", {"fields": ["full_name", "email", "phone", "position", "organisation", "role"]}),
        ("", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "full_name", "email", "organisation", "role", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def get_readonly_fields(self, request, obj=None):
        # An administrator by role manages accounts but cannot hand out superuser rights.
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "is_superuser"]


@admin.register(Contact)
class ContactAdmin(AuditedAdmin):
    list_display = ["title", "kind", "phone", "email", "org_unit", "is_public", "is_active"]
    list_filter = ["kind", "is_public", "is_active"]
    search_fields = ["title", "person_name", "phone"]
    raw_id_fields = ["organisation", "org_unit"]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ["name", "person", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["person", "name", "prefix", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request):
        return False  # tokens are issued by their owner on the account page


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_repr", "note"]

    def has_module_permission(self, request):
        return can(request.user, "audit.view") and can(request.user, "admin.site")

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
