"""The access policy, in one place: a person's role decides what they may do, their org unit's
subtree decides which rows they may see.

- `can(person, permission)` answers "may this person do X at all?" from PERMISSIONS.
- `visible_to(person, queryset)` narrows any queryset of a model that declares a `scope`
  (see core.models.Scope) to the rows in the person's subtree.
- `can_see(person, obj)` is the same rule for one object.
- `@requires(permission)` guards a view; the role x view matrix test reads its mark.

Province roles see the whole province, district roles their district's subtree (never a sibling
district), outside organisations (press, carriers) only rows of their own organisation.
Rows tied to no org unit belong to the top of the tree. Superusers see and may do everything;
a person without a role sees nothing.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .roles import ALL_ROLES, DISTRICT_ROLES, EXTERNAL_ROLES, PROVINCE_ROLES, Role

STAFF_ROLES = ALL_ROLES
INTERNAL_ROLES = PROVINCE_ROLES | DISTRICT_ROLES

PERMISSIONS: dict[str, frozenset] = {
    # Every staff member has a home page, their account, the org units and directory in scope.
    "home.view": STAFF_ROLES,
    "account.manage": STAFF_ROLES,
    "orgunit.view": STAFF_ROLES,
    "organisation.view": STAFF_ROLES,
    "person.view": STAFF_ROLES,
    "directory.view": STAFF_ROLES,
    # Only administrators maintain the directory and the org structure.
    "directory.edit": frozenset({Role.ADMIN}),
    "orgunit.import": frozenset({Role.ADMIN}),
    "person.manage": frozenset({Role.ADMIN}),
    # The audit log is for the Department's leaders and the administrators.
    "audit.view": frozenset({Role.LEADER, Role.ADMIN}),
    # Weekly quick report: districts fill their own section, the Department consolidates.
    "reporting.view": frozenset(
        {Role.LEADER, Role.FOCAL_POINT, Role.ADMIN, Role.DISTRICT_CULTURE, Role.DISTRICT_BROADCAST}
    ),
    "reporting.submit": frozenset({Role.DISTRICT_CULTURE, Role.DISTRICT_BROADCAST}),
    "reporting.consolidate": frozenset({Role.LEADER, Role.FOCAL_POINT, Role.ADMIN}),
    "reporting.review": frozenset({Role.FOCAL_POINT, Role.ADMIN}),
    # Misinformation desk: the Inspectorate handles it; districts send tips and see their own.
    "misinfo.view": frozenset(
        {
            Role.LEADER,
            Role.INSPECTOR,
            Role.ADMIN,
            Role.FOCAL_POINT,
            Role.DISTRICT_CULTURE,
            Role.DISTRICT_BROADCAST,
            Role.DISTRICT_STEERING,
        }
    ),
    "misinfo.tip": frozenset(
        {Role.INSPECTOR, Role.ADMIN, Role.DISTRICT_CULTURE, Role.DISTRICT_BROADCAST, Role.DISTRICT_STEERING}
    ),
    "misinfo.handle": frozenset({Role.INSPECTOR, Role.ADMIN}),
    # Publishing a verdict: a leader, never the verdict's author (misinfo.actions.approve_verdict).
    "misinfo.approve": frozenset({Role.LEADER}),
    # The provincial police liaison: referrals sent to the police, their acknowledgement and outcome.
    "misinfo.police": frozenset({Role.POLICE}),
    # The desk's letters: whoever sees the desk, and the police for the referrals sent to them.
    "misinfo.letter": frozenset(
        {
            Role.LEADER,
            Role.INSPECTOR,
            Role.ADMIN,
            Role.FOCAL_POINT,
            Role.DISTRICT_CULTURE,
            Role.DISTRICT_BROADCAST,
            Role.DISTRICT_STEERING,
            Role.POLICE,
        }
    ),
    # Social listening: the Inspectorate works the alerts; leaders and districts see them (a
    # district its own area), and districts keep watchlists for their area.
    "listening.view": frozenset(
        {Role.LEADER, Role.INSPECTOR, Role.ADMIN, Role.FOCAL_POINT, Role.DISTRICT_CULTURE, Role.DISTRICT_STEERING}
    ),
    "listening.handle": frozenset({Role.INSPECTOR, Role.ADMIN}),
    "listening.watch": frozenset({Role.INSPECTOR, Role.ADMIN, Role.DISTRICT_CULTURE, Role.DISTRICT_STEERING}),
    # Sources (feeds, exports of listening tools): the Inspectorate and the administrators; the
    # tools that push posts use an inspector's or an administrator's token.
    "listening.sources": frozenset({Role.INSPECTOR, Role.ADMIN}),
    "listening.push": frozenset({Role.INSPECTOR, Role.ADMIN}),
    # Daily situation: the Health Department's data officer enters the figures, the focal point
    # writes the bulletin, a leader approves it; the press reads the issued bulletins.
    "situation.view": frozenset({Role.LEADER, Role.FOCAL_POINT, Role.HEALTH_DATA, Role.ADMIN, Role.PRESS}),
    "situation.figures": frozenset({Role.LEADER, Role.FOCAL_POINT, Role.HEALTH_DATA, Role.ADMIN}),
    "situation.enter": frozenset({Role.HEALTH_DATA, Role.ADMIN}),
    "situation.configure": frozenset({Role.HEALTH_DATA, Role.ADMIN}),
    "situation.draft": frozenset({Role.FOCAL_POINT, Role.ADMIN}),
    "situation.approve": frozenset({Role.LEADER}),
    "situation.distribute": frozenset({Role.FOCAL_POINT, Role.ADMIN}),
    # Outreach: the focal point and the telecom officer write key messages, a leader approves
    # them; districts read them (their loudspeakers carry them).
    "outreach.view": frozenset(
        {Role.LEADER, Role.FOCAL_POINT, Role.TELECOM_IT, Role.ADMIN, Role.DISTRICT_CULTURE, Role.DISTRICT_BROADCAST}
    ),
    "outreach.write": frozenset({Role.FOCAL_POINT, Role.TELECOM_IT, Role.ADMIN}),
    "outreach.approve": frozenset({Role.LEADER}),
    "outreach.send": frozenset({Role.FOCAL_POINT, Role.TELECOM_IT, Role.ADMIN}),
    # Loudspeaker audio of an approved message: its writers and the district broadcasting centres.
    "outreach.audio": frozenset({Role.FOCAL_POINT, Role.TELECOM_IT, Role.ADMIN, Role.DISTRICT_BROADCAST}),
    # Loudspeaker broadcasts: leaders and the Department's writers schedule for any zone, a district's
    # broadcasting centre for its own communes (an emergency is a leader's: outreach.approve); the
    # centres and the loudspeaker system (a centre's or the telecom officer's token) log the plays.
    "outreach.broadcast": frozenset(
        {Role.LEADER, Role.FOCAL_POINT, Role.TELECOM_IT, Role.ADMIN, Role.DISTRICT_BROADCAST}
    ),
    "outreach.logs": frozenset({Role.TELECOM_IT, Role.ADMIN, Role.DISTRICT_BROADCAST}),
    # Requests to the carriers: the senders write them, a leader signs; the carriers' staff see
    # their own organisation's letters and report their reach (the senders may enter it for them).
    "outreach.carriers": frozenset({Role.LEADER, Role.FOCAL_POINT, Role.TELECOM_IT, Role.ADMIN, Role.CARRIER}),
    "outreach.reach": frozenset({Role.FOCAL_POINT, Role.TELECOM_IT, Role.ADMIN, Role.CARRIER}),
    # A district's published news items (component portal, social page, press): its culture office.
    "outreach.publish": frozenset({Role.FOCAL_POINT, Role.ADMIN, Role.DISTRICT_CULTURE}),
    # SMS campaigns and their recipients' numbers: who sends them and the leaders.
    "outreach.campaigns": frozenset({Role.LEADER, Role.FOCAL_POINT, Role.TELECOM_IT, Role.ADMIN}),
    # Duty rosters: the Office (the staff rotation) and the IT centre (the data centre's on-call)
    # draw them up and issue them, leaders too; everyone sees the rosters they are on.
    "roster.view": STAFF_ROLES,
    "roster.manage": frozenset({Role.OFFICE, Role.IT_CENTRE, Role.ADMIN}),
    "roster.issue": frozenset({Role.OFFICE, Role.IT_CENTRE, Role.LEADER, Role.ADMIN}),
    # Who reported a tip: only inspectors and leaders (and administrators).
    "misinfo.reporter": frozenset({Role.INSPECTOR, Role.LEADER, Role.ADMIN}),
    # The system's health details and metrics (/healthz with details, /metrics): who runs it.
    "system.health": frozenset({Role.ADMIN, Role.IT_CENTRE}),
    # Django admin (configuration) is for administrators only.
    "admin.site": frozenset({Role.ADMIN}),
}


def _active(person) -> bool:
    return bool(person and person.is_authenticated and person.is_active)


def can(person, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"Unknown permission {permission!r}: add it to core.access.PERMISSIONS")
    if not _active(person):
        return False
    if person.is_superuser:
        return True
    return person.role in PERMISSIONS[permission]


def scope_root(person):
    """The org unit whose subtree the person sees, or None when they see no subtree."""
    if not _active(person) or person.organisation_id is None:
        return None
    if person.role in INTERNAL_ROLES:
        return person.organisation.org_unit
    return None


def can_see_province(person) -> bool:
    """Whether the person sees the whole province (a province role, or a superuser)."""
    root = scope_root(person)
    return bool(_active(person) and (person.is_superuser or (root is not None and root.parent_id is None)))


def _lookup(prefix: str, field: str) -> str:
    return f"{prefix}__{field}" if prefix else field


def scope_q(person, model) -> Q | None:
    """The filter for `model` rows the person may see; None means every row."""
    scope = model.scope
    if _active(person) and person.is_superuser:
        return None
    if not _active(person) or not person.role:
        return Q(pk__in=[])
    if person.role in EXTERNAL_ROLES:
        if scope.organisation is None or person.organisation_id is None:
            return Q(pk__in=[])
        return Q(**{_lookup(scope.organisation, "pk"): person.organisation_id})
    root = scope_root(person)
    if root is None:
        return Q(pk__in=[])
    q = Q(**{_lookup(scope.org_unit, "path__startswith"): root.path})
    if scope.org_unit and root.parent_id is None:
        # Rows tied to no unit (system events, people without an organisation) belong to the top.
        q |= Q(**{_lookup(scope.org_unit, "isnull"): True})
    if scope.with_ancestors:
        q |= Q(**{_lookup(scope.org_unit, "code__in"): root.ancestor_codes()})
    return q


def visible_to(person, queryset: QuerySet) -> QuerySet:
    q = scope_q(person, queryset.model)
    return queryset if q is None else queryset.filter(q)


def can_see(person, obj) -> bool:
    return visible_to(person, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def has_authenticator(user) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _check_required_roles(values) -> None:
    """A misspelt role in OTP_REQUIRED_ROLES would quietly enforce nothing: refuse to start."""
    unknown = sorted(set(values) - {role.value for role in Role})
    if unknown:
        raise ImproperlyConfigured(
            f"OTP_REQUIRED_ROLES: unknown role(s) {', '.join(unknown)}; expected some of "
            f"{', '.join(role.value for role in Role)}"
        )


_check_required_roles(settings.OTP_REQUIRED_ROLES)


def two_factor_required(person) -> bool:
    """Whether this person must set up and use an authenticator: everybody with OTP_REQUIRED,
    else whoever holds a role of OTP_REQUIRED_ROLES. A superuser may do all an administrator may,
    so counts as one here."""
    if settings.OTP_REQUIRED:
        return True
    roles = set(settings.OTP_REQUIRED_ROLES)
    return person.role in roles or (person.is_superuser and Role.ADMIN in roles)


def two_factor_ok(request) -> bool:
    """The session passed two-factor, or needs none: a person with an authenticator must have
    given a code in this session (whatever log-in page they used), and a person who must use
    one (two_factor_required) cannot go on without it."""
    user = request.user
    if getattr(user, "is_verified", lambda: False)():
        return True
    return not two_factor_required(user) and not has_authenticator(user)


def two_factor_setup_url(next_path: str | None = None) -> str:
    """The set-up page, coming back afterwards to `next_path` (a path on this site)."""
    url = reverse("core:totp_setup")
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


def requires(permission: str, *, before_two_factor: bool = False):
    """View decorator: log-in, two-factor where due, then the permission. Marks the view for
    the matrix test. `before_two_factor` is for the one page that sets two-factor up.
    Two-factor comes before the permission: until it is done, every staff page leads to it."""
    if permission not in PERMISSIONS:
        raise KeyError(f"Unknown permission {permission!r}")

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not two_factor_ok(request):
                if has_authenticator(user):
                    # A password-only session of someone who has an authenticator: start over.
                    logout(request)
                    return redirect_to_login(request.get_full_path())
                if not before_two_factor:
                    # Back to the page asked for afterwards (a GET only: a form is not sent again).
                    asked = request.get_full_path() if request.method == "GET" else None
                    return redirect(two_factor_setup_url(asked))
            if not can(user, permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.tincay_permission = permission
        return wrapper

    return decorate


def public(view):
    """Marks a view that anyone may open (log-in page, language switch)."""
    view.tincay_permission = None
    return view
