"""Staff pages of the core app. Views are thin: they read through core.access and change data
only through core.actions."""

import base64
import time

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LogoutView
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from vntext import clean_query, fold

from . import actions
from .access import (
    can,
    has_authenticator,
    public,
    requires,
    scope_root,
    two_factor_required,
    two_factor_setup_url,
    visible_to,
)
from .directory import answering_now
from .forms import (
    ApiTokenForm,
    AuditFilterForm,
    ContactForm,
    LoginForm,
    OrgUnitImportForm,
    RoleForm,
    TokenForm,
)
from .models import ApiToken, AuditEvent, Contact, Organisation, OrgUnit, Person
from .navigation import modules_for
from .roles import Role

PENDING_2FA = "tincay_pending_2fa"
PENDING_2FA_SECONDS = 300
PAGE_SIZE = 50


def _results_or_page(request, template, context):
    """With htmx, answer only the results partial; otherwise the whole page."""
    if request.htmx and request.htmx.target == "results":
        return render(request, f"{template}#results", context)
    return render(request, template, context)


def safe_next(request, default="core:home") -> str:
    """Where to go back to: `next` when it is a path on this site (never another host, never a
    bare word that `redirect` would take for a view name), else the URL named `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return reverse(default)


# --- Log-in, two-factor, log-out ----------------------------------------------------------


@public
@require_http_methods(["GET", "POST"])
def login(request):
    if request.user.is_authenticated:
        return redirect(safe_next(request))
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            auth_login(request, user)
            if two_factor_required(user):
                return redirect(two_factor_setup_url(safe_next(request)))
            return redirect(safe_next(request))
        request.session[PENDING_2FA] = {
            "user_id": user.pk,
            "backend": user.backend,
            "since": time.time(),
            "next": safe_next(request),
        }
        return redirect("core:verify")
    return render(request, "registration/login.html", {"form": form, "next": request.GET.get("next", "")})


@public
@require_http_methods(["GET", "POST"])
def verify(request):
    """Second step of the log-in for a person with an authenticator app."""
    pending = request.session.get(PENDING_2FA)
    if not pending or time.time() - pending["since"] > PENDING_2FA_SECONDS:
        request.session.pop(PENDING_2FA, None)
        messages.error(request, _("Your log-in has expired. Please log in again."))
        return redirect("core:login")
    user = get_object_or_404(get_user_model(), pk=pending["user_id"], is_active=True)
    credentials = {"username": user.username}
    if AxesProxyHandler.is_locked(request, credentials):
        request.session.pop(PENDING_2FA, None)
        return render(request, "registration/locked_out.html", status=429)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None and _check_code(form, device):
            request.session.pop(PENDING_2FA, None)
            user.backend = pending["backend"]
            auth_login(request, user)
            otp_login(request, device)
            return redirect(pending["next"])
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            request.session.pop(PENDING_2FA, None)
            return render(request, "registration/locked_out.html", status=429)
    return render(request, "registration/verify.html", {"form": form})


def _check_code(form, device) -> bool:
    """Verify a TOTP code; on failure put the reason on the form (wrong, or throttled)."""
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        form.add_error("otp_token", _("You entered a wrong code several times; wait a few seconds and try again."))
        return False
    if device.verify_token(form.cleaned_data["otp_token"]):
        return True
    form.add_error("otp_token", _("This code is not valid. Check the time on your phone and try again."))
    return False


logout = public(LogoutView.as_view())


# --- Home ---------------------------------------------------------------------------------


def home(request):
    """The public portal's home page for visitors; the staff's home page once logged in."""
    if not request.user.is_authenticated:
        from portal.views import home as portal_home

        return portal_home(request)
    return _home(request)


home.tincay_permission = "home.view"


@requires("home.view")
def _home(request):
    person = request.user
    root = scope_root(person)
    context = {
        "modules": modules_for(person),
        "root": root,
        "counts": {
            "orgunits": visible_to(person, OrgUnit.objects.filter(is_active=True)).count(),
            "organisations": visible_to(person, Organisation.objects.filter(is_active=True)).count(),
            "people": visible_to(person, Person.objects.filter(is_active=True)).count(),
        },
        "contacts": visible_to(
            person, Contact.objects.filter(is_active=True, kind=Contact.Kind.HOTLINE)
        ).select_related("organisation")[:6],
        "recent_events": visible_to(person, AuditEvent.objects.select_related("actor"))[:8]
        if can(person, "audit.view")
        else [],
    }
    return render(request, "core/home.html", context)


# --- Org units ----------------------------------------------------------------------------


@requires("orgunit.view")
def orgunit_list(request):
    units = (
        visible_to(request.user, OrgUnit.objects.all())
        .annotate(n_children=Count("children", distinct=True))
        .order_by("path")
    )
    q = clean_query(request.GET.get("q", ""))
    level = request.GET.get("level", "")
    if q:
        units = units.filter(Q(search_key__contains=fold(q)) | Q(code=q))
    if level in OrgUnit.Level.values:
        units = units.filter(level=level)
    page = Paginator(units, 200).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "q": q,
        "level": level,
        "levels": OrgUnit.Level.choices,
        "can_import": can(request.user, "orgunit.import"),
    }
    return _results_or_page(request, "core/orgunit_list.html", context)


@requires("orgunit.view")
def orgunit_detail(request, code):
    unit = get_object_or_404(visible_to(request.user, OrgUnit.objects.select_related("parent")), code=code)
    person = request.user
    context = {
        "unit": unit,
        "ancestors": visible_to(person, unit.ancestors()),
        "children": visible_to(person, unit.children.all()),
        "organisations": visible_to(person, unit.organisations.all()),
        "contacts": visible_to(person, unit.contacts.filter(is_active=True)),
    }
    return render(request, "core/orgunit_detail.html", context)


@requires("orgunit.import")
@require_http_methods(["GET", "POST"])
def orgunit_import(request):
    form = OrgUnitImportForm(request.POST or None, request.FILES or None)
    result = None
    dry_run = "apply" not in request.POST
    if request.method == "POST" and form.is_valid():
        result = actions.import_orgunits(request.user, form.cleaned_data["file"].read(), dry_run=dry_run)
        if result.ok and not dry_run:
            messages.success(
                request,
                _("Import done: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
                % {"created": len(result.create), "updated": len(result.update), "unchanged": result.unchanged},
            )
            return redirect("core:orgunit_list")
    return render(request, "core/orgunit_import.html", {"form": form, "result": result, "dry_run": dry_run})


# --- Organisations and people -------------------------------------------------------------


@requires("organisation.view")
def organisation_list(request):
    orgs = (
        visible_to(request.user, Organisation.objects.select_related("org_unit", "parent"))
        .annotate(n_people=Count("people", distinct=True))
        .order_by(*Organisation._meta.ordering)
    )
    q = clean_query(request.GET.get("q", ""))
    kind = request.GET.get("kind", "")
    if q:
        orgs = orgs.filter(
            Q(name__icontains=q) | Q(short_name__icontains=q) | Q(org_unit__search_key__contains=fold(q))
        )
    if kind in Organisation.Kind.values:
        orgs = orgs.filter(kind=kind)
    page = Paginator(orgs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "q": q, "kind": kind, "kinds": Organisation.Kind.choices}
    return _results_or_page(request, "core/organisation_list.html", context)


@requires("organisation.view")
def organisation_detail(request, pk):
    person = request.user
    org = get_object_or_404(visible_to(person, Organisation.objects.select_related("org_unit", "parent")), pk=pk)
    context = {
        "org": org,
        "people": visible_to(person, org.people.filter(is_active=True)),
        "divisions": visible_to(person, org.divisions.all()),
        "contacts": visible_to(person, org.contacts.filter(is_active=True)),
    }
    return render(request, "core/organisation_detail.html", context)


@requires("person.view")
def person_list(request):
    people = visible_to(request.user, Person.objects.filter(is_active=True).select_related("organisation__org_unit"))
    q = clean_query(request.GET.get("q", ""))
    role = request.GET.get("role", "")
    if q:
        people = people.filter(
            Q(full_name__icontains=q) | Q(username__icontains=q) | Q(organisation__name__icontains=q)
        )
    if role in Role.values:
        people = people.filter(role=role)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "q": q, "role": role, "roles": Role.choices}
    return _results_or_page(request, "core/person_list.html", context)


@requires("person.view")
def person_detail(request, pk):
    other = get_object_or_404(visible_to(request.user, Person.objects.select_related("organisation__org_unit")), pk=pk)
    role_form = None
    if can(request.user, "person.manage"):
        role_form = RoleForm(initial={"role": other.role, "organisation": other.organisation_id}, person=request.user)
    context = {"other": other, "role_form": role_form}
    if role_form is not None and other.pk != request.user.pk:
        context["can_reset_totp"] = has_authenticator(other)
    return render(request, "core/person_detail.html", context)


@requires("person.manage")
@require_POST
def person_role(request, pk):
    other = get_object_or_404(visible_to(request.user, Person.objects.all()), pk=pk)
    form = RoleForm(request.POST, person=request.user)
    if form.is_valid():
        try:
            actions.change_role(request.user, other, form.cleaned_data["role"], form.cleaned_data["organisation"])
        except ValidationError as exc:
            form.add_error(None, exc)
            other.refresh_from_db()
        else:
            messages.success(request, _("The role was changed; the person is told by email."))
            return redirect("core:person_detail", pk=other.pk)
    return render(request, "core/person_detail.html", {"other": other, "role_form": form}, status=400)


@requires("person.manage")
@require_POST
def person_totp_reset(request, pk):
    other = get_object_or_404(visible_to(request.user, Person.objects.all()), pk=pk)
    if other.pk == request.user.pk:
        raise PermissionDenied  # one's own authenticator: the Account page
    if actions.reset_totp(request.user, other):
        messages.success(request, _("The authenticator was removed; at the next log-in the person sets up a new one."))
    return redirect("core:person_detail", pk=other.pk)


# --- Directory ----------------------------------------------------------------------------


@requires("directory.view")
def directory(request):
    contacts = visible_to(request.user, Contact.objects.select_related("organisation", "org_unit"))
    if not can(request.user, "directory.edit"):
        contacts = contacts.filter(is_active=True)
    hotlines = [c for c in contacts if c.kind == Contact.Kind.HOTLINE]
    answering_now(hotlines)
    context = {
        "hotlines": hotlines,
        "focal_points": [c for c in contacts if c.kind == Contact.Kind.FOCAL_POINT],
        "recipients": [c for c in contacts if c.kind == Contact.Kind.RECIPIENT],
        "can_edit": can(request.user, "directory.edit"),
    }
    return render(request, "core/directory.html", context)


@requires("directory.edit")
@require_http_methods(["GET", "POST"])
def contact_create(request):
    return _contact_form(request, Contact(kind=Contact.Kind.HOTLINE, org_unit=scope_root(request.user)))


@requires("directory.edit")
@require_http_methods(["GET", "POST"])
def contact_edit(request, pk):
    contact = get_object_or_404(visible_to(request.user, Contact.objects.all()), pk=pk)
    return _contact_form(request, contact)


def _contact_form(request, contact):
    form = ContactForm(request.POST or None, instance=contact, person=request.user)
    if request.method == "POST" and form.is_valid():
        actions.save_contact(request.user, form.save(commit=False))
        messages.success(request, _("The directory entry was saved."))
        return redirect("core:directory")
    return render(request, "core/contact_form.html", {"form": form, "contact": contact})


# --- Audit log ----------------------------------------------------------------------------


@requires("audit.view")
def audit_list(request):
    events = visible_to(request.user, AuditEvent.objects.select_related("org_unit"))
    form = AuditFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            events = events.filter(Q(object_repr__icontains=data["q"]) | Q(note__icontains=data["q"]))
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["object_type"]:
            events = events.filter(object_type=data["object_type"])
        if data["actor"]:
            events = events.filter(actor_label__icontains=data["actor"])
        if data["date_from"]:
            events = events.filter(at__date__gte=data["date_from"])
        if data["date_to"]:
            events = events.filter(at__date__lte=data["date_to"])
    elif form.is_bound:
        events = events.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return _results_or_page(request, "core/audit_list.html", context)


@requires("audit.view")
def audit_detail(request, pk):
    event = get_object_or_404(visible_to(request.user, AuditEvent.objects.select_related("org_unit")), pk=pk)
    return render(request, "core/audit_detail.html", {"event": event})


# --- Account ------------------------------------------------------------------------------


@requires("account.manage")
def account(request):
    person = request.user
    context = {
        "device": TOTPDevice.objects.filter(user=person, confirmed=True).first(),
        "tokens": ApiToken.objects.filter(person=person),
        "token_form": ApiTokenForm(),
        "new_key": request.session.pop("tincay_new_api_key", None),
        "otp_required": two_factor_required(person),
        "otp_required_why": _otp_required_why(person),
    }
    return render(request, "core/account.html", context)


def _otp_required_why(person) -> str:
    """Why this person's authenticator is mandatory, in a sentence for the account page."""
    if settings.OTP_REQUIRED:
        return _("The Department requires two-factor authentication for all staff.")
    if two_factor_required(person):
        return _(
            "Two-factor authentication is mandatory for your role (%(role)s): a stolen password alone must "
            "not open an account that approves documents, handles misinformation cases or runs the system."
        ) % {"role": person.get_role_display() or _("System administrator")}
    return ""


@requires("account.manage", before_two_factor=True)
@require_http_methods(["GET", "POST"])
def totp_setup(request):
    person = request.user
    device_before = has_authenticator(person)
    device, _created = TOTPDevice.objects.get_or_create(
        user=person, confirmed=False, defaults={"name": "authenticator"}
    )
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and _check_code(form, device):
        actions.confirm_totp(person, device)
        otp_login(request, device)
        messages.success(request, _("Two-factor authentication is on."))
        return redirect(safe_next(request, "core:account"))
    # The otpauth:// URI as a QR code, an SVG inside a data: URI (allowed by the CSP).
    context = {
        "form": form,
        # Someone who must set it up is told why; someone moving to a new phone has done so.
        "otp_required_why": "" if device_before else _otp_required_why(person),
        "qr": segno.make(device.config_url, error="m").svg_data_uri(scale=4),
        "secret": base64.b32encode(device.bin_key).decode().rstrip("="),
    }
    return render(request, "core/totp_setup.html", context)


@requires("account.manage")
@require_POST
def totp_disable(request):
    if two_factor_required(request.user):
        messages.error(
            request,
            _(
                "Two-factor authentication cannot be turned off: it is mandatory for your role. "
                "To use a new phone, choose “Set up a new phone”."
            ),
        )
        return redirect("core:account")
    actions.disable_totp(request.user)
    messages.success(request, _("Two-factor authentication is off."))
    return redirect("core:account")


@requires("account.manage")
@require_POST
def token_create(request):
    form = ApiTokenForm(request.POST)
    if form.is_valid():
        _token, key = actions.issue_api_token(request.user, form.cleaned_data["name"])
        request.session["tincay_new_api_key"] = key
    else:
        messages.error(request, " ".join(form.errors.get("name", [])))
    return redirect("core:account")


@requires("account.manage")
@require_POST
def token_revoke(request, pk):
    token = get_object_or_404(ApiToken, pk=pk, person=request.user)
    actions.revoke_api_token(request.user, token)
    messages.success(request, _("The token was revoked."))
    return redirect("core:account")


def csrf_failure(request, reason=""):
    """A form sent without a valid CSRF token (usually an expired page): say so in Vietnamese."""
    return render(request, "403_csrf.html", status=403)
