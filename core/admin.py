"""Django admin for configuration, for administrators. Every save or delete is audited; the
audit log itself is read-only here."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit
from .access import can, two_factor_ok
from .models import ApiToken, AuditEvent, Contact, Organisation, OrgUnit, Person

# Roles, not Django groups, decide access (core.access); hide groups to avoid a second system.
admin.site.unregister(Group)
# Authenticator devices are managed by their owners on the account page (audited there).
admin.site.unregister(TOTPDevice)

_admin_has_permission = admin.site.has_permission


def _has_permission(request):
    """Staff, and two-factor passed where due: the admin is not a way around it."""
    return _admin_has_permission(request) and two_factor_ok(request)


def _login(request, extra_context=None):
    """One log-in page for everything: ours, with lockout and two-factor. Someone already
    logged in who may not use the admin gets a 403, not a loop between log-in pages."""
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


admin.site.has_permission = _has_permission
admin.site.login = _login


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

    def get_readonly_fields(self, request, obj=None):
        # Official codes are the identity used by imports and paths; they are not edited.
        return ["code"] if obj is not None else []


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

    def has_change_permission(self, request, obj=None):
        # Only a superuser changes or deletes a superuser's account (name, password, status).
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            person = Person.objects.get(pk=id)
            audit.record(request.user, "person.password", person, note="admin")
        return response

    def get_readonly_fields(self, request, obj=None):
        # An administrator by role manages accounts but cannot hand out superuser rights.
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "is_superuser"]


@admin.register(Contact)
class ContactAdmin(AuditedAdmin):
    list_display = ["title", "kind", "phone", "email", "org_unit", "is_public", "receives_bulletin", "is_active"]
    list_filter = ["kind", "is_public", "receives_bulletin", "is_active"]
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
