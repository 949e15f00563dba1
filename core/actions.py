"""State changes of the core app. Each action checks permission, changes data, writes the audit
event and enqueues tasks on commit. Views, the API, commands and tasks call these; nothing
else writes core rows (Django admin goes through core.admin.AuditedAdmin)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit
from .access import can, can_see
from .models import ApiToken, Contact, OrgUnit, Person
from .orgunit_import import Plan, depth_order, plan
from .tasks import enqueue_on_commit, send_email


def _require(actor, permission: str, obj=None):
    if actor is None:  # a management command run by the operator on the server
        return
    if not can(actor, permission) or (obj is not None and obj.pk and not can_see(actor, obj)):
        raise PermissionDenied


# --- Org units ----------------------------------------------------------------------------


@transaction.atomic
def import_orgunits(actor, data: bytes, *, dry_run: bool = False) -> Plan:
    """Create or update org units from CSV bytes. All or nothing: a plan with problems, or a
    dry run, writes nothing. Re-importing the same file changes nothing."""
    _require(actor, "orgunit.import")
    result = plan(data)
    if not result.ok or dry_run:
        return result
    units = {u.code: u for u in OrgUnit.objects.select_related("parent")}
    parent_of = {code: (u.parent.code if u.parent_id else "") for code, u in units.items()}
    rows = {row.code: row for row in result.rows}
    parent_of.update({code: row.parent_code for code, row in rows.items()})
    changed = {row.code for row in result.create} | {row.code for row, _changes in result.update}
    moved = False
    for code in depth_order(changed, parent_of):
        row = rows[code]
        unit = units.get(code) or OrgUnit(code=code)
        before = audit.snapshot(unit) if unit.pk else None
        moved |= bool(unit.pk) and (unit.parent.code if unit.parent_id else "") != row.parent_code
        unit.name, unit.level, unit.is_active = row.name, row.level, True
        unit.parent = units[row.parent_code] if row.parent_code else None
        unit.save()
        units[code] = unit
        audit.record(
            actor,
            "orgunit.update" if before else "orgunit.create",
            unit,
            before=before,
            after=audit.snapshot(unit),
        )
    if moved:
        rebuild_paths()
    audit.record(
        actor,
        "orgunit.import",
        note=_("%(created)d created, %(updated)d updated, %(unchanged)d unchanged")
        % {"created": len(result.create), "updated": len(result.update), "unchanged": result.unchanged},
    )
    return result


def rebuild_paths() -> int:
    """Recompute every materialised path from the parent links (after a unit moved)."""
    units = list(OrgUnit.objects.all())
    by_id = {u.pk: u for u in units}

    def path_of(unit):
        parts = [unit.code]
        while unit.parent_id:
            unit = by_id[unit.parent_id]
            parts.append(unit.code)
        return "/" + "/".join(reversed(parts)) + "/"

    stale = []
    for unit in units:
        path = path_of(unit)
        if unit.path != path:
            unit.path, unit.depth = path, path.count("/") - 2
            stale.append(unit)
    OrgUnit.objects.bulk_update(stale, ["path", "depth"], batch_size=500)
    return len(stale)


# --- Directory ----------------------------------------------------------------------------


@transaction.atomic
def save_contact(actor, contact: Contact) -> Contact:
    """Create or update a directory entry (the form has validated it)."""
    _require(actor, "directory.edit")
    if actor is not None and not can_see(actor, contact.org_unit):
        raise PermissionDenied
    before = None
    if contact.pk:
        stored = Contact.objects.get(pk=contact.pk)
        _require(actor, "directory.edit", stored)
        before = audit.snapshot(stored)
    contact.save()
    audit.record(
        actor,
        "contact.update" if before else "contact.create",
        contact,
        before=before,
        after=audit.snapshot(contact),
    )
    return contact


# --- People -------------------------------------------------------------------------------


@transaction.atomic
def change_role(actor, person: Person, role: str, organisation) -> Person:
    """Give a person a new role or organisation, and tell them by email."""
    _require(actor, "person.manage", person)
    before = audit.snapshot(person, ["role", "organisation", "is_staff"])
    person.role, person.organisation = role, organisation
    person.is_staff = role == "admin" or person.is_superuser
    person.clean()  # the role must fit the organisation (ValidationError otherwise)
    person.save(update_fields=["role", "organisation", "is_staff"])
    audit.record(
        actor, "person.role", person, before=before, after=audit.snapshot(person, ["role", "organisation", "is_staff"])
    )
    if person.email:
        enqueue_on_commit(
            send_email,
            [person.email],
            _("Tin Cậy: your role has changed"),
            _("Your role in Tin Cậy is now: %(role)s, %(organisation)s.")
            % {"role": person.get_role_display(), "organisation": organisation},
        )
    return person


# --- Account: API tokens and two-factor ---------------------------------------------------


@transaction.atomic
def issue_api_token(actor: Person, name: str) -> tuple[ApiToken, str]:
    _require(actor, "account.manage")
    token, key = ApiToken.issue(actor, name)
    audit.record(actor, "apitoken.issue", token, after={"name": name, "prefix": token.prefix}, org_unit=actor.org_unit)
    return token, key


@transaction.atomic
def revoke_api_token(actor: Person, token: ApiToken) -> None:
    _require(actor, "account.manage")
    if token.person_id != actor.pk:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor, "apitoken.revoke", token, org_unit=actor.org_unit)


@transaction.atomic
def confirm_totp(actor: Person, device: TOTPDevice) -> None:
    _require(actor, "account.manage")
    if device.user_id != actor.pk:
        raise PermissionDenied
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(actor, "totp.enable", actor, org_unit=actor.org_unit)


@transaction.atomic
def reset_totp(actor: Person, person: Person) -> int:
    """A lost or changed phone: an administrator removes someone else's authenticator, so that
    their next log-in sets up a new one (where two-factor is due) — the way back in for a person
    who may not turn it off. Their current sessions end; they are told by email."""
    _require(actor, "person.manage", person)
    if person.pk == actor.pk:
        raise PermissionDenied  # one's own: the Account page
    deleted, _details = TOTPDevice.objects.filter(user=person).delete()
    if not deleted:
        return 0
    from django.contrib.sessions.models import Session

    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(person.pk):
            session.delete()
    audit.record(actor, "totp.reset", person, org_unit=person.org_unit)
    if person.email:
        enqueue_on_commit(
            send_email,
            [person.email],
            _("Tin Cậy: your authenticator was reset"),
            _(
                "%(admin)s removed the authenticator of your Tin Cậy account. At your next log-in, "
                "set up the authenticator app on your phone again. If you did not ask for this, "
                "tell the Department's IT centre at once."
            )
            % {"admin": actor.full_name or actor.username},
        )
    return deleted


@transaction.atomic
def disable_totp(actor: Person) -> None:
    _require(actor, "account.manage")
    deleted, _details = TOTPDevice.objects.filter(user=actor).delete()
    if deleted:
        audit.record(actor, "totp.disable", actor, org_unit=actor.org_unit)
