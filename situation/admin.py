"""Indicators are data: an administrator adds or retires one here (or on /situation/indicators/),
no code change. Every change is audited (core.admin.AuditedAdmin). Figures and bulletins change
only through situation.actions (their checks, history and workflow), so they are read-only here."""

from django.contrib import admin

from core.access import can
from core.admin import AuditedAdmin

from .models import Bulletin, Indicator


@admin.register(Indicator)
class IndicatorAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "unit", "new_cases", "headline", "order", "is_active"]
    list_filter = ["kind", "new_cases", "headline", "is_active"]
    search_fields = ["code", "name"]

    def has_delete_permission(self, request, obj=None):
        # An indicator that has figures is retired (is_active), never deleted.
        return can(request.user, "admin.site") and not (obj and obj.figures.exists())


@admin.register(Bulletin)
class BulletinAdmin(AuditedAdmin):
    list_display = ["date", "number_text", "state", "issued_at"]
    list_filter = ["state"]
    date_hierarchy = "date"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
