"""Writing the audit log. Every action in an app's actions.py calls `record` once per change."""

import contextvars
import datetime
import decimal
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, OrgUnit

# Human names of actions, for the audit pages; each app adds its own actions here.
ACTION_LABELS = {
    "auth.login": _("Logged in"),
    "auth.logout": _("Logged out"),
    "auth.failed": _("Failed log-in"),
    "auth.lockout": _("Account locked"),
    "orgunit.create": _("Org unit created"),
    "orgunit.update": _("Org unit changed"),
    "orgunit.import": _("Org units imported"),
    "orgunit.delete": _("Org unit deleted"),
    "organisation.create": _("Organisation created"),
    "organisation.update": _("Organisation changed"),
    "organisation.delete": _("Organisation deleted"),
    "person.create": _("Person created"),
    "person.update": _("Person changed"),
    "person.role": _("Role changed"),
    "person.delete": _("Person deleted"),
    "person.password": _("Password changed"),
    "contact.create": _("Directory entry created"),
    "contact.update": _("Directory entry changed"),
    "contact.delete": _("Directory entry deleted"),
    "apitoken.issue": _("API token issued"),
    "apitoken.revoke": _("API token revoked"),
    "apitoken.update": _("API token changed"),
    "apitoken.delete": _("API token deleted"),
    "totp.enable": _("Two-factor turned on"),
    "totp.disable": _("Two-factor turned off"),
    "totp.reset": _("Authenticator removed by an administrator"),
    "demo.load": _("Demo data loaded"),
}

# The client address of the request being served, set by core.middleware.
current_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_ip", default=None)


def _plain(value):
    if isinstance(value, models.Model):
        return {"id": value.pk, "label": str(value)}
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """A JSON-able picture of an object's concrete fields (foreign keys as id + label)."""
    out = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"password", "key_hash", "search_key", "path", "depth"}:
            continue
        if field.is_relation:
            related_id = getattr(obj, field.attname)
            related = getattr(obj, field.name) if related_id is not None else None
            out[field.name] = _plain(related)
        else:
            out[field.name] = _plain(getattr(obj, field.attname))
    return out


def _org_unit_of(obj) -> OrgUnit | None:
    if obj is None:
        return None
    if isinstance(obj, OrgUnit):
        return obj
    unit = getattr(obj, "org_unit", None)
    return unit if isinstance(unit, OrgUnit) else None


def record(
    actor,
    action: str,
    obj: models.Model | None = None,
    *,
    before: dict | None = None,
    after: dict | None = None,
    org_unit: OrgUnit | None = None,
    note: str = "",
    actor_label: str | None = None,
) -> AuditEvent:
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=actor,
        # Empty means the system itself (a command, the worker); pages show it as "System".
        actor_label=(actor_label or (f"{actor} ({actor.username})" if actor else ""))[:200],
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        org_unit=org_unit or _org_unit_of(obj),
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        ip_address=current_ip.get(),
        note=note,
    )
