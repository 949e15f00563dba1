"""The REST surface (django-ninja, OpenAPI at /api/v1/docs). Personal tokens, sent as
`Authorization: Bearer tc_...`; every route reads through core.access like the pages do."""

import re
from datetime import date, datetime
from functools import wraps
from typing import Annotated, Any

from django.contrib.auth.views import redirect_to_login
from django.db.models import Count
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Query, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import HttpBearer
from pydantic import BeforeValidator, StrictBool, StrictInt
from pydantic_core import PydanticCustomError

from core.access import can, two_factor_ok, visible_to
from core.models import CODE_RE, ApiToken, AuditEvent, Contact, Organisation, OrgUnit, Person
from vntext import clean_query, fold


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        found = ApiToken.active(token)
        if found is None:
            return None
        # Touch last_used_at at most once a minute: no write on every request.
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.person
        return found.person


def staff_docs(view):
    """The API's pages (schema and docs) for a logged-in person whose session passed two-factor
    where it is due; a password-only session is sent to log in again."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated or not two_factor_ok(request):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


api = NinjaAPI(
    title="Tin Cậy API",
    version="1",
    urls_namespace="api",
    auth=TokenAuth(),
    docs_decorator=staff_docs,  # the OpenAPI page is for logged-in staff, second factor given where due
    description="REST API of Tin Cậy. Authenticate with a personal token: `Authorization: Bearer tc_…`.",
)

# --- Errors in Vietnamese (or the request's language), naming the field -------------------

_PYDANTIC_MESSAGES = {
    "missing": lambda e: _("this field is required"),
    "int_parsing": lambda e: _("expected a whole number"),
    "int_type": lambda e: _("expected a whole number"),
    "int_from_float": lambda e: _("expected a whole number"),
    "bool_parsing": lambda e: _("expected true or false"),
    "bool_type": lambda e: _("expected true or false"),
    "date_from_datetime_parsing": lambda e: _("expected a date YYYY-MM-DD"),
    "date_parsing": lambda e: _("expected a date YYYY-MM-DD"),
    "datetime_parsing": lambda e: _("expected a date and time (ISO 8601)"),
    "string_too_long": lambda e: _("at most %(n)s characters") % {"n": e.get("ctx", {}).get("max_length")},
    "greater_than_equal": lambda e: _("must be at least %(n)s") % {"n": e.get("ctx", {}).get("ge")},
    "less_than_equal": lambda e: _("must be at most %(n)s") % {"n": e.get("ctx", {}).get("le")},
    "enum": lambda e: _("must be one of: %(values)s") % {"values": e.get("ctx", {}).get("expected")},
    "literal_error": lambda e: _("must be one of: %(values)s") % {"values": e.get("ctx", {}).get("expected")},
    "list_type": lambda e: _("expected a list"),
    "dict_type": lambda e: _("expected an object"),
    "model_attributes_type": lambda e: _("expected an object"),
    "model_type": lambda e: _("expected an object"),
}


@api.exception_handler(ValidationError)
def validation_error(request, exc):
    details = []
    for error in exc.errors:
        loc = [str(p) for p in error.get("loc", [])]
        if loc[:1] == ["body"]:  # ("body", "payload", "rows", 0, "district"): the body's own words
            loc = loc[2:] or ["body"]
        field = ".".join(p for p in loc if p not in ("query", "path")) or "?"
        message = _PYDANTIC_MESSAGES.get(error.get("type"), lambda e: _("invalid value"))(error)
        details.append({"field": field, "message": message})
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
    return api.create_response(request, {"detail": summary, "errors": details}, status=422)


@api.exception_handler(HttpError)
def http_error(request, exc):
    message = str(exc)
    if message.startswith("Cannot parse request body"):  # django-ninja's own words, in English
        message = _("The request body is not valid JSON (or a number in it is too long).")
    return api.create_response(request, {"detail": message}, status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(AuthenticationError)
def auth_error(request, exc):
    return api.create_response(request, {"detail": _("Missing or invalid API token.")}, status=401)


class ErrorOut(Schema):
    """Any answer that is not a success: `detail` says what is wrong, in the request's language;
    on 422 `errors` names each field (or line, or district) with its problem."""

    detail: str | list[str]
    errors: list[dict[str, Any]] | dict[str, Any] | None = None


# What a route with a token may answer besides success, declared so that the OpenAPI schema lists
# it: 401 without a valid token, 403 when the person's role may not, 422 for input that breaks
# the schema or a rule (naming the field); routes that look an object up may answer 404 too.
# A route that reads a JSON body answers 400 when the body is not JSON at all.
ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ErrorOut}
ERRORS_404 = {**ERRORS, 404: ErrorOut}
BAD_BODY = {400: ErrorOut}


def requires(permission: str):
    """Route decorator: the person behind the token needs this permission (core.access)."""

    def decorate(func):
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            if not can(request.auth, permission):
                raise HttpError(403, _("You do not have permission to do this."))
            return func(request, *args, **kwargs)

        wrapper.tincay_permission = permission
        return wrapper

    return decorate


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(100, ge=1, le=1000)
        offset: int = Field(0, ge=0, le=10_000_000)


# --- Input types -------------------------------------------------------------------------
# Pydantic reads a number as a Unix time (`date_to=0` is 1 January 1970) and 0 as false: the API
# takes what its schema says, a date as YYYY-MM-DD, a date and time as ISO 8601 text, true/false.

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _date_text(value):
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise PydanticCustomError("date_parsing", "expected a date YYYY-MM-DD")


def _datetime_text(value):
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATETIME.match(value)):
        return value
    raise PydanticCustomError("datetime_parsing", "expected a date and time (ISO 8601)")


Day = Annotated[date, BeforeValidator(_date_text)]
Moment = Annotated[datetime, BeforeValidator(_datetime_text)]


# --- Schemas ------------------------------------------------------------------------------


class MeOut(Schema):
    username: str
    full_name: str
    role: str
    organisation: str | None
    org_unit_code: str | None
    permissions: list[str]


class OrgUnitOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    depth: int
    is_active: bool

    @staticmethod
    def resolve_parent_code(obj):
        return obj.parent.code if obj.parent_id else None


class OrganisationOut(Schema):
    id: int
    name: str
    short_name: str
    kind: str
    org_unit_code: str
    parent_id: int | None
    email: str
    phone: str

    @staticmethod
    def resolve_org_unit_code(obj):
        return obj.org_unit.code


class PersonOut(Schema):
    id: int
    username: str
    full_name: str
    role: str
    position: str
    organisation_id: int | None
    email: str
    phone: str


class ContactOut(Schema):
    id: int
    kind: str
    title: str
    person_name: str
    position: str
    organisation_id: int | None
    org_unit_code: str
    phone: str
    email: str
    purpose: str
    is_public: bool

    @staticmethod
    def resolve_org_unit_code(obj):
        return obj.org_unit.code


class AuditEventOut(Schema):
    id: int
    at: datetime
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str
    before: dict | None
    after: dict | None
    note: str


class OrgUnitFilter(Schema):
    level: OrgUnit.Level | None = None
    parent: str | None = Field(None, max_length=16)
    q: str | None = Field(None, max_length=100)


class AuditFilter(Schema):
    action: str | None = Field(None, max_length=80)
    object_type: str | None = Field(None, max_length=80)
    date_from: Day | None = None
    date_to: Day | None = None


# --- Routes -------------------------------------------------------------------------------


@api.get("/me", response={200: MeOut, **ERRORS}, url_name="me")
@requires("home.view")
def me(request):
    from core.access import PERMISSIONS

    person = request.auth
    return {
        "username": person.username,
        "full_name": person.full_name,
        "role": person.role,
        "organisation": str(person.organisation) if person.organisation_id else None,
        "org_unit_code": person.org_unit.code if person.org_unit else None,
        "permissions": sorted(p for p in PERMISSIONS if can(person, p)),
    }


@api.get("/orgunits", response={200: list[OrgUnitOut], **ERRORS}, url_name="orgunit_list")
@requires("orgunit.view")
@paginate(Pagination)
def orgunit_list(request, filters: Query[OrgUnitFilter]):
    units = visible_to(request.auth, OrgUnit.objects.select_related("parent"))
    if filters.level:
        units = units.filter(level=filters.level)
    if filters.parent:
        units = units.filter(parent__code=filters.parent)
    if q := clean_query(filters.q or ""):
        units = units.filter(search_key__contains=fold(q))
    return units


@api.get("/orgunits/{code}", response={200: OrgUnitOut, **ERRORS_404}, url_name="orgunit_detail")
@requires("orgunit.view")
def orgunit_detail(request, code: str):
    if not CODE_RE.match(code):
        raise HttpError(404, _("Not found."))
    return get_object_or_404(visible_to(request.auth, OrgUnit.objects.select_related("parent")), code=code)


@api.get("/organisations", response={200: list[OrganisationOut], **ERRORS}, url_name="organisation_list")
@requires("organisation.view")
@paginate(Pagination)
def organisation_list(request):
    return visible_to(request.auth, Organisation.objects.select_related("org_unit"))


@api.get("/people", response={200: list[PersonOut], **ERRORS}, url_name="person_list")
@requires("person.view")
@paginate(Pagination)
def person_list(request):
    return visible_to(request.auth, Person.objects.filter(is_active=True).select_related("organisation"))


@api.get("/directory", response={200: list[ContactOut], **ERRORS}, url_name="directory")
@requires("directory.view")
@paginate(Pagination)
def directory(request):
    return visible_to(request.auth, Contact.objects.filter(is_active=True).select_related("org_unit"))


@api.get("/audit", response={200: list[AuditEventOut], **ERRORS}, url_name="audit_list")
@requires("audit.view")
@paginate(Pagination)
def audit_list(request, filters: Query[AuditFilter]):
    events = visible_to(request.auth, AuditEvent.objects.all())
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.object_type:
        events = events.filter(object_type=filters.object_type)
    if filters.date_from:
        events = events.filter(at__date__gte=filters.date_from)
    if filters.date_to:
        events = events.filter(at__date__lte=filters.date_to)
    return events


# --- Weekly quick report ------------------------------------------------------------------
# Districts submit their section with a token, with the same checks as the web form.

from reporting import actions as reporting_actions  # noqa: E402
from reporting import consolidation  # noqa: E402
from reporting.models import ReportCycle, Submission  # noqa: E402


class CycleOut(Schema):
    id: int
    kind: str
    title: str
    form: str
    period_start: date
    period_end: date
    due_at: datetime
    area_code: str

    @staticmethod
    def resolve_form(obj):
        return obj.form.code

    @staticmethod
    def resolve_title(obj):
        return str(obj)

    @staticmethod
    def resolve_area_code(obj):
        return obj.root.code


class SectionOut(Schema):
    id: int
    cycle_id: int
    org_unit_code: str
    section: str
    organisation: str
    state: str
    nothing_to_report: bool
    values: dict
    comments: dict
    total: int
    submitted_at: datetime | None
    on_time: bool | None
    version: int

    @staticmethod
    def resolve_org_unit_code(obj):
        return obj.org_unit.code

    @staticmethod
    def resolve_section(obj):
        return obj.section.code

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.name

    @staticmethod
    def resolve_on_time(obj):
        return obj.on_time if obj.is_reported else None


class SectionIn(Schema):
    values: dict
    comments: dict = {}
    reason: str = Field("", max_length=1000)
    submit: StrictBool = True


class NothingIn(Schema):
    reason: str = Field("", max_length=1000)


class ConsolidationOut(Schema):
    cycle: CycleOut
    expected: int
    reported: int
    on_time: int
    reporting_rate: float | None
    on_time_rate: float | None
    totals: dict
    grand_total: int


def _section(request, pk: int) -> Submission:
    return get_object_or_404(
        visible_to(request.auth, Submission.objects.select_related("cycle", "section", "org_unit", "organisation")),
        pk=pk,
    )


@api.get("/reports/cycles", response={200: list[CycleOut], **ERRORS}, url_name="report_cycles")
@requires("reporting.view")
@paginate(Pagination)
def report_cycles(request):
    return visible_to(request.auth, ReportCycle.objects.select_related("form", "root"))


@api.get(
    "/reports/cycles/{cycle_id}/sections", response={200: list[SectionOut], **ERRORS_404}, url_name="report_sections"
)
@requires("reporting.view")
@paginate(Pagination)
def report_sections(request, cycle_id: int):
    cycle = get_object_or_404(visible_to(request.auth, ReportCycle.objects.all()), pk=cycle_id)
    return visible_to(request.auth, cycle.submissions.select_related("cycle", "section", "org_unit", "organisation"))


@api.get(
    "/reports/cycles/{cycle_id}/consolidation",
    response={200: ConsolidationOut, **ERRORS_404},
    url_name="report_consolidation",
)
@requires("reporting.consolidate")
def report_consolidation(request, cycle_id: int):
    cycle = get_object_or_404(visible_to(request.auth, ReportCycle.objects.select_related("form", "root")), pk=cycle_id)
    c = consolidation.consolidate(cycle, visible_to(request.auth, cycle.submissions.all()))
    return {
        "cycle": cycle,
        "expected": c.expected,
        "reported": c.reported,
        "on_time": c.on_time,
        "reporting_rate": c.reporting_rate,
        "on_time_rate": c.on_time_rate,
        "totals": c.totals,
        "grand_total": c.grand_total,
    }


@api.put(
    "/reports/sections/{section_id}",
    response={200: SectionOut, **BAD_BODY, **ERRORS_404},
    url_name="report_section_put",
)
@requires("reporting.submit")
def report_section_put(request, section_id: int, payload: SectionIn):
    sub = _section(request, section_id)
    if not reporting_actions.may_edit(request.auth, sub):
        raise HttpError(403, _("Only the reporting unit itself fills its section."))
    try:
        if payload.submit:
            outcome = reporting_actions.submit(
                request.auth, sub, payload.values, payload.comments, reason=payload.reason
            )
        else:
            outcome = reporting_actions.save_draft(request.auth, sub, payload.values, payload.comments)
    except reporting_actions.Rejected as exc:
        return Status(422, {"detail": "; ".join(exc.errors.values()), "errors": exc.errors})
    return Status(200, _section(request, outcome.submission.pk))


@api.post(
    "/reports/sections/{section_id}/nothing",
    response={200: SectionOut, **BAD_BODY, **ERRORS_404},
    url_name="report_section_nothing",
)
@requires("reporting.submit")
def report_section_nothing(request, section_id: int, payload: NothingIn):
    sub = _section(request, section_id)
    if not reporting_actions.may_edit(request.auth, sub):
        raise HttpError(403, _("Only the reporting unit itself fills its section."))
    try:
        reporting_actions.nothing_to_report(request.auth, sub, reason=payload.reason)
    except reporting_actions.Rejected as exc:
        return Status(422, {"detail": "; ".join(exc.errors.values()), "errors": exc.errors})
    return Status(200, _section(request, sub.pk))


# --- Misinformation desk ------------------------------------------------------------------

from misinfo import actions as misinfo_actions  # noqa: E402
from misinfo.models import Case, CaseAction, Claim  # noqa: E402


class TipIn(Schema):
    channel: str = Field("district", max_length=12)
    text: str = Field(..., max_length=4000)
    url: str = Field("", max_length=1000)
    org_unit_code: str | None = Field(None, max_length=16, pattern=r"^[A-Za-z0-9_.-]{1,16}$")
    reporter_name: str = Field("", max_length=150)
    reporter_contact: str = Field("", max_length=200)


class TipOut(Schema):
    id: int
    reference: str
    channel: str
    received_at: datetime
    claim_id: int | None
    suggested_claim_id: int | None
    match: str
    match_score: float | None

    @staticmethod
    def resolve_reference(obj):
        return f"TG-{obj.pk:06d}"


class ClaimOut(Schema):
    id: int
    statement: str
    first_seen_at: datetime
    org_unit_code: str | None
    tips: int
    case_state: str | None
    verdict: str | None

    @staticmethod
    def resolve_org_unit_code(obj):
        return obj.org_unit.code if obj.org_unit_id else None

    @staticmethod
    def resolve_tips(obj):
        return obj.n_tips

    @staticmethod
    def resolve_case_state(obj):
        case = getattr(obj, "shown_case", None)
        return case.state if case else None

    @staticmethod
    def resolve_verdict(obj):
        case = getattr(obj, "shown_case", None)
        return (case.verdict or None) if case else None


class VerdictOut(Schema):
    id: int
    claim: str
    verdict: str
    verdict_label: str
    explanation: str
    published_at: datetime
    url: str

    @staticmethod
    def resolve_claim(obj):
        return obj.claim.statement

    @staticmethod
    def resolve_verdict_label(obj):
        return obj.get_verdict_display()

    @staticmethod
    def resolve_url(obj):
        from django.conf import settings
        from django.urls import reverse

        return settings.SITE_URL.rstrip("/") + reverse("public:verdict", args=[obj.pk])


class ReferralIn(Schema):
    state: str = Field(..., pattern="^(acknowledged|done)$")
    outcome: str = Field("", max_length=4000)


class ReferralOut(Schema):
    id: int
    state: str
    letter_number: str
    acknowledged_at: datetime | None
    outcome: str


def _rejected(exc) -> "Status":
    return Status(422, {"detail": "; ".join(str(v) for v in exc.errors.values()), "errors": exc.errors})


@api.post("/misinfo/tips", response={201: TipOut, **BAD_BODY, **ERRORS}, url_name="misinfo_tip_create")
@requires("misinfo.tip")
def misinfo_tip_create(request, payload: TipIn):
    unit = None
    if payload.org_unit_code:
        unit = visible_to(request.auth, OrgUnit.objects.all()).filter(code=payload.org_unit_code).first()
        if unit is None:
            return Status(422, {"detail": _("Unknown org unit."), "errors": {"org_unit_code": _("Unknown org unit.")}})
    try:
        tip = misinfo_actions.record_tip(
            request.auth,
            channel=payload.channel,
            text=payload.text,
            url=payload.url,
            org_unit=unit,
            reporter_name=payload.reporter_name,
            reporter_contact=payload.reporter_contact,
        )
    except misinfo_actions.Rejected as exc:
        return _rejected(exc)
    # A tip may match a claim the sender may not see (another district's): then the answer says
    # only that it was linked, not to what.
    visible = set(
        visible_to(request.auth, Claim.objects.filter(pk__in=[tip.claim_id, tip.suggested_claim_id])).values_list(
            "pk", flat=True
        )
    )
    if tip.claim_id not in visible:
        tip.claim_id = None
    if tip.suggested_claim_id not in visible:
        tip.suggested_claim_id, tip.match_score = None, None
    return Status(201, tip)


@api.get("/misinfo/claims", response={200: list[ClaimOut], **ERRORS}, url_name="misinfo_claims")
@requires("misinfo.view")
@paginate(Pagination)
def misinfo_claims(request):
    claims = list(
        visible_to(request.auth, Claim.objects.select_related("org_unit", "case"))
        .annotate(n_tips=Count("tips"))
        .order_by("-first_seen_at", "-pk")[:5000]
    )
    cases = set(visible_to(request.auth, Case.objects.all()).values_list("pk", flat=True))
    for claim in claims:  # a district sees a province-wide claim, not the case the province runs on it
        case = getattr(claim, "case", None)
        claim.shown_case = case if case is not None and case.pk in cases else None
    return claims


def _public(func):
    func.tincay_permission = None
    return func


@api.get("/verdicts", response={200: list[VerdictOut], 422: ErrorOut}, auth=None, url_name="verdicts")
@_public
@paginate(Pagination)
def verdicts(request):
    """Published verdicts, open to anyone (no token): other sites may show them."""
    return Case.objects.filter(published_at__isnull=False).select_related("claim").order_by("-published_at")


@api.patch(
    "/misinfo/referrals/{action_id}", response={200: ReferralOut, **BAD_BODY, **ERRORS_404}, url_name="misinfo_referral"
)
@requires("misinfo.police")
def misinfo_referral(request, action_id: int, payload: ReferralIn):
    action = get_object_or_404(
        CaseAction.objects.filter(kind=CaseAction.Kind.REFERRAL).exclude(state=CaseAction.State.PLANNED), pk=action_id
    )
    try:
        action = misinfo_actions.update_action(request.auth, action, payload.state, outcome=payload.outcome)
    except misinfo_actions.Rejected as exc:
        return _rejected(exc)
    return Status(200, action)


# --- Social listening ---------------------------------------------------------------------

from listening import ingest as listening_ingest  # noqa: E402
from listening.models import Source  # noqa: E402


class IngestOut(Schema):
    received: int
    stored: int
    duplicates: int
    updated: int  # posts pushed again with new counts (a later reading)
    alerts: int
    errors: list[dict]


@api.post(
    "/listening/posts",
    response={200: IngestOut, 413: ErrorOut, **ERRORS},
    url_name="listening_push",
    # The body is read as it comes (listening.ingest), not by a schema: say what it is.
    openapi_extra={
        "requestBody": {
            "description": "Any text: one JSON object a line (JSON lines); the answer lists bad lines.",
            "content": {"application/x-ndjson": {"schema": {}}},
        }
    },
)
@requires("listening.push")
def listening_push(request, source: str = Query(..., min_length=1, max_length=120)):
    """Posts from a listening tool, as JSON lines (Content-Type: application/x-ndjson), at most
    10,000 a request: {"id", "text", "url", "author", "published_at", "reactions", "comments",
    "shares"}. Stored once per id at the source; the same id pushed again with new counts updates
    them (the growth between readings ranks the alerts); good lines are kept, bad ones reported."""
    if "\x00" in source or not source.strip():
        return Status(422, {"detail": _("Give the source's name."), "errors": {"source": _("Give the source's name.")}})
    target, _created = Source.objects.get_or_create(name=source.strip(), defaults={"kind": Source.Kind.API})
    if target.kind != Source.Kind.API or not target.is_active:
        message = _("This source takes no posts through the API (it is a feed, an export or paused).")
        return _rejected(misinfo_actions.Rejected({"source": message}))
    return Status(200, listening_ingest.ingest(target, request.body))


# --- Daily situation ----------------------------------------------------------------------
# The Health Department's system pushes the day's figures by district, with the checks of the
# entry page and the import (situation.figures.check through actions.save_figures); the
# provincial reporting system reads the day's table.

from django.core.exceptions import PermissionDenied  # noqa: E402
from django.core.exceptions import ValidationError as DjangoValidationError  # noqa: E402
from django.db import transaction  # noqa: E402

from core.access import can_see_province  # noqa: E402
from situation import actions as situation_actions  # noqa: E402
from situation import figures as situation_figures  # noqa: E402
from situation import importer as situation_importer  # noqa: E402
from situation.models import Figure, Indicator  # noqa: E402

MAX_FIGURE_ROWS = 500


class FigureRowIn(Schema):
    district: str | int  # the district's code (a number is taken as its digits), or its name
    values: dict[str, Any] = {}  # indicator code -> whole number; null or absent: not given
    note: str = ""  # the reason for a correction, or why a running total goes down


class FiguresIn(Schema):
    date: Day
    rows: list[FigureRowIn] = []
    confirm: StrictBool = False  # also confirm the day's figures (then changes are corrections)


class FiguresSavedOut(Schema):
    date: date
    new: int
    changed: int
    unchanged: int
    confirmed: bool


class IndicatorBriefOut(Schema):
    code: str
    name: str
    kind: str
    unit: str


class DistrictFiguresOut(Schema):
    district_code: str
    district: str
    values: dict[str, int | None]


class FiguresOut(Schema):
    date: date
    province: str
    confirmed: bool
    indicators: list[IndicatorBriefOut]
    rows: list[DistrictFiguresOut]
    totals: dict[str, int]
    missing: list[str]


class IndicatorOut(Schema):
    code: str
    name: str
    short_name: str
    definition: str
    kind: str
    kind_label: str
    unit: str
    new_cases: bool
    headline: bool
    order: int

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()


def _province(request):
    """The province whose figures these are; 404 for anyone who does not see it whole."""
    root = situation_figures.root_unit()
    if root is None or not can_see_province(request.auth):
        raise HttpError(404, _("Not found."))
    return root


def _figure_problems(problems) -> Status:
    return Status(
        422,
        {
            "detail": [str(p) for p in problems],
            "errors": [{"district": p.unit, "field": p.field, "message": p.message} for p in problems],
        },
    )


@api.post(
    "/situation/figures", response={200: FiguresSavedOut, **BAD_BODY, **ERRORS_404}, url_name="situation_figures_push"
)
@requires("situation.enter")
def situation_figures_push(request, payload: FiguresIn):
    """One day's figures, at most 500 districts: {"date": "YYYY-MM-DD", "rows": [{"district": "899",
    "values": {"ca_cong_dong": 3}, "note": ""}], "confirm": false}. All or nothing: any problem
    (each naming the district and the indicator) and nothing is written. A value left out or null
    is not given and never clears one given before; a running total that goes down, and any
    change of a confirmed day, needs the row's note. With "confirm": true the day is confirmed too."""
    root = _province(request)
    if len(payload.rows) > MAX_FIGURE_ROWS:
        message = _("At most %(n)d rows in one request.") % {"n": MAX_FIGURE_ROWS}
        return _figure_problems([situation_figures.Problem("", "rows", message)])
    find = situation_importer.district_finder(root)
    problems, entries = [], []
    for row in payload.rows:
        unit, error = find(row.district)
        if error:
            problems.append(situation_figures.Problem(str(row.district)[:40], "", error))
            continue
        values = {
            (code if len(code) <= 40 else code[:40] + "…"): value
            for code, value in row.values.items()
            if value is not None
        }
        entries.append(situation_figures.Entry(unit=unit, values=values, note=row.note))
    try:
        with transaction.atomic():
            if entries:
                plan = situation_actions.save_figures(
                    request.auth, root, payload.date, entries, source=Figure.Source.API
                )
            else:
                plan = situation_figures.check(root, payload.date, [])
            problems += plan.problems
            confirmed = bool(plan.day and plan.day.is_confirmed)
            if not problems and payload.confirm:
                try:
                    confirmed = situation_actions.confirm_day(request.auth, root, payload.date).is_confirmed
                except DjangoValidationError as error:
                    problems += [situation_figures.Problem("", "confirm", m) for m in error.messages]
            if problems:
                transaction.set_rollback(True)
    except PermissionDenied:
        raise HttpError(403, _("You do not have permission to do this.")) from None
    if problems:
        return _figure_problems(problems)
    return Status(
        200,
        {
            "date": payload.date,
            "new": len(plan.changes) - len(plan.corrections),
            "changed": len(plan.corrections),
            "unchanged": plan.unchanged,
            "confirmed": confirmed,
        },
    )


@api.get("/situation/figures", response={200: FiguresOut, **ERRORS_404}, url_name="situation_figures")
@requires("situation.figures")
def situation_figures_day(request, date: Day | None = None):
    """The day's figures (today in Asia/Ho_Chi_Minh when no date is given): the indicators, one row
    per district with null where a figure is not given yet, the province's totals, and the
    districts that have given nothing."""
    root = _province(request)
    day = date or timezone.localdate()
    if day > timezone.localdate() or day < situation_figures.EARLIEST:
        message = (
            _("The date %(date)s is in the future.")
            if day > timezone.localdate()
            else _("%(date)s is too long ago for daily figures.")
        ) % {"date": f"{day:%d/%m/%Y}"}
        return Status(422, {"detail": f"date: {message}", "errors": [{"field": "date", "message": message}]})
    return Status(200, situation_figures.day_table(root, day))


@api.get("/situation/indicators", response={200: list[IndicatorOut], **ERRORS}, url_name="situation_indicators")
@requires("situation.figures")
def situation_indicators(request):
    """The active indicators, in the order of the bulletin's tables, with what each counts."""
    return Indicator.objects.filter(is_active=True)


# --- Outreach: loudspeakers ----------------------------------------------------------------
# The province's loudspeaker system (or a district's) pulls a station's timetable and the audio,
# and pushes what it played; a district's portal pushes its published items. One check with the
# pages (outreach.broadcasts); all or nothing; every problem names the line and the field.

from django.http import FileResponse  # noqa: E402

from outreach import broadcasts as outreach_broadcasts  # noqa: E402
from outreach.models import BroadcastLog, Script  # noqa: E402


class RowsIn(Schema):
    rows: list[dict[str, Any]]


class StoredOut(Schema):
    stored: int
    already: int


class PlayOut(Schema):
    time: str
    play_now: bool
    broadcast: int
    title: str
    priority: str
    script: str
    note: str
    audio: int | None
    seconds: float | None


class TimetableOut(Schema):
    zone: str
    zone_name: str
    date: date
    plays: list[PlayOut]


class BroadcastLogOut(Schema):
    id: int
    zone: str = Field(alias="zone.code")
    broadcast: int | None = Field(None, alias="broadcast_id")
    title: str
    played_at: datetime
    seconds: int
    source: str
    external_id: str


def _row_problems(problems) -> Status:
    return Status(
        422,
        {
            "detail": [str(p) for p in problems],
            "errors": [{"line": p.line, "field": p.field, "message": p.message} for p in problems],
        },
    )


@api.post("/outreach/broadcast-logs", response={200: StoredOut, **BAD_BODY, **ERRORS}, url_name="outreach_logs_push")
@requires("outreach.logs")
def outreach_logs_push(request, payload: RowsIn):
    """What the stations played, at most 2,000 plays: {"rows": [{"zone": "30760", "played_at":
    "2021-07-30T06:00:00+07:00", "seconds": 185, "broadcast": 12, "title": "…", "id": "st7-000123"}]}.
    `zone`: the code of a district or commune of the token's area; `broadcast` (optional) the
    scheduled broadcast played, else `title` says what; `id` (optional) the system's id of the play:
    a play sent again with the same id is not stored twice. All or nothing."""
    try:
        return Status(200, outreach_broadcasts.record_logs(request.auth, payload.rows))
    except outreach_broadcasts.Rejected as error:
        return _row_problems(error.problems)


@api.get("/outreach/broadcast-logs", response={200: list[BroadcastLogOut], **ERRORS}, url_name="outreach_logs")
@requires("outreach.view")
@paginate(Pagination)
def outreach_logs(request, zone: str = "", date_from: Day | None = None, date_to: Day | None = None):
    """Plays logged in the token's area, newest first; `zone` takes the station's and those under it."""
    rows = visible_to(request.auth, BroadcastLog.objects.select_related("zone"))
    if zone:
        unit = visible_to(request.auth, OrgUnit.objects.filter(code=zone[:16])).first()
        rows = rows.filter(zone__path__startswith=unit.path) if unit else rows.none()
    if date_from:
        rows = rows.filter(played_at__date__gte=date_from)
    if date_to:
        rows = rows.filter(played_at__date__lte=date_to)
    return rows


@api.get("/outreach/timetable", response={200: TimetableOut, **ERRORS_404}, url_name="outreach_timetable")
@requires("outreach.view")
def outreach_timetable(request, zone: str, date: Day | None = None):
    """A station's programme of the day (today by default): emergencies first (play_now), then by
    time, priority items before normal ones at the same time (Circular 39/2020/TT-BTTTT). `audio`
    is the id of the MP3 at /api/v1/outreach/audio/{id}.mp3, null when the stations read the script."""
    unit = outreach_broadcasts.zones_for(request.auth).filter(code=zone[:16]).first()
    if unit is None:
        raise HttpError(404, _("No district or commune with this code in your area."))
    day = date or timezone.localdate()
    plays = [
        {
            "time": p.time,
            "play_now": p.broadcast.priority == p.broadcast.Priority.EMERGENCY,
            "broadcast": p.broadcast.pk,
            "title": p.broadcast.key_message.title,
            "priority": p.broadcast.priority,
            "script": p.broadcast.key_message.loudspeaker_text,
            "note": p.broadcast.note,
            "audio": p.script.pk if p.script else None,
            "seconds": p.script.seconds if p.script else None,
        }
        for p in outreach_broadcasts.timetable(unit, day)
    ]
    return Status(200, {"zone": unit.code, "zone_name": unit.name, "date": day, "plays": plays})


@api.get(
    "/outreach/audio/{script_id}.mp3",
    response={200: None, **ERRORS_404},
    url_name="outreach_audio",
    openapi_extra={"responses": {200: {"content": {"audio/mpeg": {"schema": {"type": "string", "format": "binary"}}}}}},
)
@requires("outreach.view")
def outreach_audio(request, script_id: int):
    """The MP3 of a loudspeaker script the token may see."""
    from outreach.models import KeyMessage

    messages = visible_to(request.auth, KeyMessage.objects.all())
    script = Script.objects.filter(pk=script_id, message__in=messages).first()
    if script is None:
        raise HttpError(404, _("Not found."))
    return FileResponse(script.mp3.open("rb"), content_type="audio/mpeg", filename=f"thong-diep-{script.pk}.mp3")


@api.post(
    "/outreach/publications", response={200: StoredOut, **BAD_BODY, **ERRORS}, url_name="outreach_publications_push"
)
@requires("outreach.publish")
def outreach_publications_push(request, payload: RowsIn):
    """A district's published news items, at most 2,000: {"rows": [{"unit": "899", "channel":
    "portal", "title": "…", "url": "https://…", "published_on": "2021-07-30", "key_message": 3,
    "id": "cms-4411"}]}. `channel`: portal (default), social or press. All or nothing; an item
    sent again with the same id is not stored twice."""
    try:
        return Status(200, outreach_broadcasts.record_publications(request.auth, payload.rows))
    except outreach_broadcasts.Rejected as error:
        return _row_problems(error.problems)


# --- Outreach: requests to the carriers --------------------------------------------------------
# A carrier's system reads the signed requests sent to it and reports its reach (outreach.carriers).

from outreach import carriers as outreach_carriers  # noqa: E402
from outreach.models import CarrierLine, CarrierRequest  # noqa: E402


class CarrierLineOut(Schema):
    id: int
    request: int = Field(alias="request_id")
    carrier: str = Field(alias="carrier.name")
    number: str
    area_code: str = Field(alias="request.org_unit.code")
    area: str = Field(alias="request.org_unit.name")
    text: str = Field(alias="request.text")
    window_start: datetime = Field(alias="request.window_start")
    window_end: datetime = Field(alias="request.window_end")
    state: str
    reached: int | None
    sent_at: datetime | None
    note: str


class ReachIn(Schema):
    reached: StrictInt | None = None
    sent_at: Moment | None = None
    note: str = ""
    declined: StrictBool = False


def _carrier_lines(person):
    lines = CarrierLine.objects.select_related("carrier", "request__org_unit").filter(
        request__state=CarrierRequest.State.SENT
    )
    if person.role == "carrier" and not person.is_superuser:
        return lines.filter(carrier_id=person.organisation_id)
    return lines.filter(request__in=visible_to(person, CarrierRequest.objects.all()))


@api.get("/outreach/carrier-lines", response={200: list[CarrierLineOut], **ERRORS}, url_name="outreach_carrier_lines")
@requires("outreach.carriers")
@paginate(Pagination)
def outreach_carrier_lines(request, state: str = ""):
    """The signed requests' letters: a carrier's own (its token), or all those of the area for the
    Department; newest first; `state` = waiting, reported or declined."""
    rows = _carrier_lines(request.auth).order_by("-request__signed_at", "carrier__name")
    return rows.filter(state=state[:10]) if state else rows


@api.put(
    "/outreach/carrier-lines/{line_id}",
    response={200: CarrierLineOut, **BAD_BODY, **ERRORS_404},
    url_name="outreach_reach",
)
@requires("outreach.reach")
def outreach_reach(request, line_id: int, payload: ReachIn):
    """A carrier's report on one letter: {"reached": 412035, "sent_at": "2021-07-30T09:00:00+07:00",
    "note": ""}, or {"declined": true, "note": "why"}. A later report replaces the earlier one."""
    line = _carrier_lines(request.auth).filter(pk=line_id).first()
    if line is None:
        raise HttpError(404, _("Not found."))
    try:
        outreach_carriers.report(
            request.auth, line, reached=payload.reached, sent_at=payload.sent_at, note=payload.note,
            declined=payload.declined,
        )  # fmt: skip
    except PermissionDenied:
        raise HttpError(403, _("You do not have permission to do this.")) from None
    except DjangoValidationError as error:
        found = error.message_dict if hasattr(error, "error_dict") else {"request": error.messages}
        problems = [(field, message) for field, messages in found.items() for message in messages]
        return Status(
            422,
            {"detail": [f"{f}: {m}" for f, m in problems], "errors": [{"field": f, "message": m} for f, m in problems]},
        )
    return Status(200, line)


# --- Duty rosters ---------------------------------------------------------------------------
# The telephone exchange asks where each hotline's calls go now (the person on duty's phone).

from roster import routing as roster_routing  # noqa: E402


class HotlineRouteOut(Schema):
    hotline: str
    title: str
    forward_to: str
    person: str
    shift: str
    until: datetime


@api.get("/roster/hotline-routes", response={200: list[HotlineRouteOut], **ERRORS}, url_name="roster_hotline_routes")
@requires("roster.view")
def roster_hotline_routes(request):
    """For each public hotline a roster routes, who answers it now and the number to forward its
    calls to (the person's phone in the directory); a hotline with nobody on a shift is absent."""
    out = []
    contacts = {c.pk: c for c in Contact.objects.filter(kind=Contact.Kind.HOTLINE, is_active=True)}
    for contact_id, rows in roster_routing.by_hotline().items():
        contact = contacts.get(contact_id)
        if contact is None:
            continue
        for a in rows:
            out.append(
                {
                    "hotline": contact.phone,
                    "title": contact.title,
                    "forward_to": a.person.phone,
                    "person": a.person.full_name,
                    "shift": a.shift.name,
                    "until": a.ends_at,
                }
            )
    return out
