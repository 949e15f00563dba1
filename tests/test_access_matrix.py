"""The role x view matrix. Every URL pattern and every API route must be listed here with the
roles that may use it; a new view that is not in the matrix fails the first test."""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from api.urls import api
from core import audit
from core.models import ApiToken, AuditEvent, Contact, OrgUnit, Person
from core.roles import Role

R = Role
EVERYONE = frozenset(Role)
PUBLIC = "public"
REPORT_VIEW = {R.LEADER, R.FOCAL_POINT, R.ADMIN, R.DISTRICT_CULTURE, R.DISTRICT_BROADCAST}
REPORT_SUBMIT = {R.DISTRICT_CULTURE, R.DISTRICT_BROADCAST}
REPORT_PROVINCE = {R.LEADER, R.FOCAL_POINT, R.ADMIN}
REPORT_REVIEW = {R.FOCAL_POINT, R.ADMIN}
MISINFO_VIEW = {R.LEADER, R.INSPECTOR, R.ADMIN, R.FOCAL_POINT, R.DISTRICT_CULTURE, R.DISTRICT_BROADCAST,
                R.DISTRICT_STEERING}  # fmt: skip
MISINFO_TIP = {R.INSPECTOR, R.ADMIN, R.DISTRICT_CULTURE, R.DISTRICT_BROADCAST, R.DISTRICT_STEERING}
MISINFO_HANDLE = {R.INSPECTOR, R.ADMIN}
LISTEN_VIEW = {R.LEADER, R.INSPECTOR, R.ADMIN, R.FOCAL_POINT, R.DISTRICT_CULTURE, R.DISTRICT_STEERING}
LISTEN_HANDLE = {R.INSPECTOR, R.ADMIN}
LISTEN_WATCH = {R.INSPECTOR, R.ADMIN, R.DISTRICT_CULTURE, R.DISTRICT_STEERING}
LISTEN_SOURCES = {R.INSPECTOR, R.ADMIN}
SIT_VIEW = {R.LEADER, R.FOCAL_POINT, R.HEALTH_DATA, R.ADMIN, R.PRESS}
SIT_FIGURES = {R.LEADER, R.FOCAL_POINT, R.HEALTH_DATA, R.ADMIN}
SIT_ENTER = {R.HEALTH_DATA, R.ADMIN}
SIT_DRAFT = {R.FOCAL_POINT, R.ADMIN}
OUT_VIEW = {R.LEADER, R.FOCAL_POINT, R.TELECOM_IT, R.ADMIN, R.DISTRICT_CULTURE, R.DISTRICT_BROADCAST}
OUT_WRITE = {R.FOCAL_POINT, R.TELECOM_IT, R.ADMIN}
OUT_CAMPAIGNS = {R.LEADER, R.FOCAL_POINT, R.TELECOM_IT, R.ADMIN}
OUT_AUDIO = {R.FOCAL_POINT, R.TELECOM_IT, R.ADMIN, R.DISTRICT_BROADCAST}
OUT_BROADCAST = {R.LEADER, R.FOCAL_POINT, R.TELECOM_IT, R.ADMIN, R.DISTRICT_BROADCAST}
OUT_LOGS = {R.TELECOM_IT, R.ADMIN, R.DISTRICT_BROADCAST}
OUT_PUBLISH = {R.FOCAL_POINT, R.ADMIN, R.DISTRICT_CULTURE}
OUT_CARRIERS = {R.LEADER, R.FOCAL_POINT, R.TELECOM_IT, R.ADMIN, R.CARRIER}
OUT_REACH = {R.FOCAL_POINT, R.TELECOM_IT, R.ADMIN, R.CARRIER}
ROSTER_MANAGE = {R.OFFICE, R.IT_CENTRE, R.ADMIN}

# Page views: url name -> roles allowed (or PUBLIC).
PAGES = {
    "core:home": EVERYONE,
    "core:login": PUBLIC,
    "core:healthz": PUBLIC,  # the status for load balancers; details with system.health (test_health)
    "core:metrics": PUBLIC,  # answers 401 without a token of system.health (test_health)
    "core:verify": PUBLIC,
    "core:logout": PUBLIC,
    "core:orgunit_list": EVERYONE,
    "core:orgunit_detail": EVERYONE,
    "core:orgunit_import": {R.ADMIN},
    "core:organisation_list": EVERYONE,
    "core:organisation_detail": EVERYONE,
    "core:person_list": EVERYONE,
    "core:person_detail": EVERYONE,
    "core:person_role": {R.ADMIN},
    "core:person_totp_reset": {R.ADMIN},
    "core:directory": EVERYONE,
    "core:contact_create": {R.ADMIN},
    "core:contact_edit": {R.ADMIN},
    "core:audit_list": {R.LEADER, R.ADMIN},
    "core:audit_detail": {R.LEADER, R.ADMIN},
    "core:account": EVERYONE,
    "core:totp_setup": EVERYONE,
    "core:totp_disable": EVERYONE,
    "core:token_create": EVERYONE,
    "core:token_revoke": EVERYONE,
    "set_language": PUBLIC,
    "reporting:cycle_list": REPORT_VIEW,
    "reporting:cycle_create": REPORT_REVIEW,
    "reporting:cycle_detail": REPORT_VIEW,
    "reporting:cycle_import": REPORT_REVIEW,
    "reporting:cycle_export": REPORT_PROVINCE,
    "reporting:district_report": REPORT_VIEW,
    "reporting:district_export": REPORT_VIEW,
    "reporting:submission_save": REPORT_SUBMIT,
    "reporting:submission_submit": REPORT_SUBMIT,
    "reporting:submission_nothing": REPORT_SUBMIT,
    "reporting:submission_return": REPORT_REVIEW,
    "reporting:submission_accept": REPORT_REVIEW,
    "misinfo:inbox": MISINFO_VIEW,
    "misinfo:dashboard": MISINFO_VIEW,
    "misinfo:tip_create": MISINFO_TIP,
    "misinfo:email_import": MISINFO_HANDLE,
    "misinfo:tip_detail": MISINFO_VIEW,
    "misinfo:tip_attachment": MISINFO_VIEW,
    "misinfo:tip_link": MISINFO_HANDLE,
    "misinfo:tip_new_claim": MISINFO_HANDLE,
    "misinfo:claim_list": MISINFO_VIEW,
    "misinfo:claim_detail": MISINFO_VIEW,
    "misinfo:case_open": MISINFO_HANDLE,
    "misinfo:case_detail": MISINFO_VIEW,
    "misinfo:case_file": MISINFO_VIEW,
    "misinfo:case_state": MISINFO_HANDLE,
    "misinfo:case_verdict": MISINFO_HANDLE,
    "misinfo:case_approve": {R.LEADER},
    "misinfo:action_add": MISINFO_HANDLE,
    "misinfo:evidence_add": MISINFO_HANDLE,
    "misinfo:evidence_download": MISINFO_VIEW,
    "misinfo:action_update": MISINFO_HANDLE,
    "misinfo:action_letter": MISINFO_VIEW | {R.POLICE},
    "misinfo:referrals": {R.POLICE},
    "misinfo:referral_update": {R.POLICE},
    "listening:alerts": LISTEN_VIEW,
    "listening:alert_bulk": LISTEN_HANDLE,
    "listening:alert_act": LISTEN_HANDLE,
    "listening:post": LISTEN_VIEW,
    "listening:overview": LISTEN_VIEW,
    "listening:watchlists": LISTEN_VIEW,
    "listening:watchlist_new": LISTEN_WATCH,
    "listening:watchlist_edit": LISTEN_WATCH,
    "listening:sources": LISTEN_SOURCES,
    "listening:source_new": LISTEN_SOURCES,
    "listening:source_edit": LISTEN_SOURCES,
    "listening:source_upload": LISTEN_SOURCES,
    "listening:source_poll": LISTEN_SOURCES,
    "situation:home": SIT_VIEW,
    "situation:entry": SIT_ENTER,
    "situation:confirm": SIT_ENTER,
    "situation:import": SIT_ENTER,
    "situation:history": SIT_FIGURES,
    "situation:export": SIT_FIGURES,
    "situation:indicators": SIT_ENTER,
    "situation:indicator_new": SIT_ENTER,
    "situation:indicator_edit": SIT_ENTER,
    "situation:bulletins": SIT_VIEW,
    "situation:bulletin_today": SIT_DRAFT,
    "situation:bulletin": SIT_VIEW,
    "situation:bulletin_edit": SIT_DRAFT,
    "situation:bulletin_act": SIT_VIEW,
    "situation:bulletin_file": SIT_VIEW,
    "situation:delivery_resend": SIT_DRAFT,
    "outreach:messages": OUT_VIEW,
    "outreach:message_new": OUT_WRITE,
    "outreach:message": OUT_VIEW,
    "outreach:message_edit": OUT_WRITE,
    "outreach:message_act": OUT_VIEW,
    "outreach:sms_count": OUT_WRITE,
    "outreach:message_audio": OUT_AUDIO,
    "outreach:script_file": OUT_VIEW,
    "outreach:campaigns": OUT_CAMPAIGNS,
    "outreach:campaign_new": OUT_CAMPAIGNS,
    "outreach:campaign": OUT_CAMPAIGNS,
    "outreach:campaign_progress": OUT_CAMPAIGNS,
    "outreach:campaign_cancel": OUT_CAMPAIGNS,
    "outreach:broadcasts": OUT_VIEW,
    "outreach:broadcast_new": OUT_BROADCAST,
    "outreach:broadcast": OUT_VIEW,
    "outreach:broadcast_cancel": OUT_BROADCAST,
    "outreach:timetable": OUT_VIEW,
    "outreach:logs": OUT_VIEW,
    "outreach:publications": OUT_VIEW,
    "outreach:carrier_requests": OUT_CARRIERS,
    "outreach:carrier_request_new": OUT_WRITE,
    "outreach:carrier_request": OUT_CARRIERS,
    "outreach:carrier_request_sign": {R.LEADER},
    "outreach:carrier_request_cancel": OUT_WRITE,
    "outreach:carrier_letter": OUT_CARRIERS,
    "outreach:carrier_report": OUT_REACH,
    "outreach:carrier_email": OUT_WRITE,
    "roster:list": EVERYONE,
    "roster:new": ROSTER_MANAGE,
    "roster:mine": EVERYONE,
    "roster:unavailability": ROSTER_MANAGE,
    "roster:detail": EVERYONE,  # the rosters one is on (here: everyone is on the matrix roster)
    "roster:edit": ROSTER_MANAGE,
    "roster:generate": ROSTER_MANAGE,
    "roster:issue": {R.OFFICE, R.IT_CENTRE, R.LEADER, R.ADMIN},
    "roster:file": EVERYONE,
    "roster:shift_new": ROSTER_MANAGE,
    "roster:shift": ROSTER_MANAGE,
    "roster:shift_delete": ROSTER_MANAGE,
    "roster:members_add": ROSTER_MANAGE,
    "roster:member": ROSTER_MANAGE,
    "roster:replace": ROSTER_MANAGE,
    "roster:calendar_link": EVERYONE,
    "roster:ical": PUBLIC,  # the secret link is the key: a calendar app cannot log in
    "roster:swap_new": EVERYONE,  # one's own shift
    "roster:swap_answer": EVERYONE,  # a request to oneself
    "roster:swap_decide": ROSTER_MANAGE,
    "public:bulletin_list": PUBLIC,
    "public:bulletin_feed": PUBLIC,
    "public:bulletin": PUBLIC,
    "public:bulletin_file": PUBLIC,
    "public:figures": PUBLIC,
    "public:report": PUBLIC,
    "public:verdict_list": PUBLIC,
    "public:verdict": PUBLIC,
    "portal:situation": PUBLIC,
    "portal:hotlines": PUBLIC,
    "portal:messages": PUBLIC,
    "portal:about": PUBLIC,
    "portal:language": PUBLIC,
    "portal:verdict_feed": PUBLIC,
    "portal:sitemap": PUBLIC,
}
# Allowed, but answered with a redirect: a district opening a cycle goes to its own district.
REDIRECTS = {
    ("reporting:cycle_detail", R.DISTRICT_CULTURE),
    ("reporting:cycle_detail", R.DISTRICT_BROADCAST),
    ("situation:home", R.PRESS),  # the press goes to the issued bulletins
    ("situation:bulletin", R.PRESS),  # and reads one on its public page
    ("situation:bulletin_today", R.FOCAL_POINT),  # today's draft exists: opened
    ("situation:bulletin_today", R.ADMIN),
}
# Views that only accept POST: a GET by an allowed person answers 405.
POST_ONLY = {
    "core:person_role",
    "core:person_totp_reset",
    "core:logout",
    "core:totp_disable",
    "core:token_create",
    "core:token_revoke",
    "set_language",
    "reporting:submission_save",
    "reporting:submission_submit",
    "reporting:submission_nothing",
    "reporting:submission_return",
    "reporting:submission_accept",
    "misinfo:tip_link",
    "misinfo:tip_new_claim",
    "misinfo:case_open",
    "misinfo:case_state",
    "misinfo:case_verdict",
    "misinfo:case_approve",
    "misinfo:action_add",
    "misinfo:evidence_add",
    "misinfo:action_update",
    "misinfo:referral_update",
    "listening:alert_bulk",
    "listening:alert_act",
    "listening:source_poll",
    "situation:confirm",
    "situation:bulletin_edit",
    "situation:bulletin_act",
    "situation:delivery_resend",
    "outreach:message_act",
    "outreach:sms_count",
    "outreach:campaign_cancel",
    "outreach:message_audio",
    "outreach:broadcast_cancel",
    "outreach:carrier_request_sign",
    "outreach:carrier_request_cancel",
    "outreach:carrier_report",
    "outreach:carrier_email",
    "roster:generate",
    "roster:issue",
    "roster:shift_delete",
    "roster:calendar_link",
    "roster:swap_answer",
    "roster:swap_decide",
}

# API routes: "METHOD path" -> roles allowed.
API = {
    "GET /me": EVERYONE,
    "GET /orgunits": EVERYONE,
    "GET /orgunits/{code}": EVERYONE,
    "GET /organisations": EVERYONE,
    "GET /people": EVERYONE,
    "GET /directory": EVERYONE,
    "GET /audit": {R.LEADER, R.ADMIN},
    "GET /reports/cycles": REPORT_VIEW,
    "GET /reports/cycles/{cycle_id}/sections": REPORT_VIEW,
    "GET /reports/cycles/{cycle_id}/consolidation": REPORT_PROVINCE,
    "PUT /reports/sections/{section_id}": REPORT_SUBMIT,
    "POST /reports/sections/{section_id}/nothing": REPORT_SUBMIT,
    "POST /misinfo/tips": MISINFO_TIP,
    "GET /misinfo/claims": MISINFO_VIEW,
    "GET /verdicts": EVERYONE,  # and anonymous: see test_public_api_needs_no_token
    "PATCH /misinfo/referrals/{action_id}": {R.POLICE},
    "POST /listening/posts": {R.INSPECTOR, R.ADMIN},
    "POST /situation/figures": SIT_ENTER,
    "GET /situation/figures": SIT_FIGURES,
    "GET /situation/indicators": SIT_FIGURES,
    "POST /outreach/broadcast-logs": OUT_LOGS,
    "GET /outreach/broadcast-logs": OUT_VIEW,
    "GET /outreach/timetable": OUT_VIEW,
    "GET /outreach/audio/{script_id}.mp3": OUT_VIEW,
    "POST /outreach/publications": OUT_PUBLISH,
    "GET /outreach/carrier-lines": OUT_CARRIERS,
    "PUT /outreach/carrier-lines/{line_id}": OUT_REACH,
    "GET /roster/hotline-routes": EVERYONE,
}
# Bodies for the routes that take one (a valid body, so the answer is about access alone).
API_BODIES = {
    "PUT /reports/sections/{section_id}": {"values": {}, "submit": False},
    "POST /reports/sections/{section_id}/nothing": {},
    "POST /misinfo/tips": {"channel": "district", "text": "Tin đồn thử nghiệm đủ dài cho kiểm tra quyền."},
    "PATCH /misinfo/referrals/{action_id}": {"state": "done", "outcome": "Đã xử lý."},
    "POST /listening/posts": {"id": "m1", "text": "Bài đăng thử quyền truy cập."},  # one JSON line
    "POST /situation/figures": {"date": "2021-08-05", "rows": [{"district": "899", "values": {"ca_cong_dong": 1}}]},
    "POST /outreach/broadcast-logs": {
        "rows": [{"zone": "899", "played_at": "2021-08-05T06:00:00+07:00", "seconds": 60, "title": "Thử quyền"}]
    },
    "POST /outreach/publications": {"rows": [{"unit": "899", "title": "Tin thử quyền", "published_on": "2021-08-05"}]},
    "PUT /outreach/carrier-lines/{line_id}": {"reached": 1000},  # sent_at: now, added in the test
}


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if p.namespace in {"admin", "api"}:
                continue
            yield from _walk(p.url_patterns, f"{prefix}{p.namespace}:" if p.namespace else prefix)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{prefix}{p.name}", p.callback


def _api_routes():
    for router_prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                for method in op.methods:
                    yield f"{method} {router_prefix.rstrip('/')}/{path.lstrip('/')}".replace("//", "/"), op


def test_every_page_is_in_the_matrix_and_marked():
    seen = dict(_walk(get_resolver().url_patterns))
    missing = sorted(set(seen) - set(PAGES))
    assert not missing, f"views missing from the role matrix: {missing}"
    stale = sorted(set(PAGES) - set(seen))
    assert not stale, f"matrix lists views that no longer exist: {stale}"
    for name, callback in seen.items():
        if name == "set_language":
            continue
        view = (getattr(callback, "view_class", None) and callback) or callback
        assert hasattr(view, "tincay_permission"), f"{name} has no @requires or @public mark"
        assert (view.tincay_permission is None) == (PAGES[name] == PUBLIC), name


def test_every_api_route_is_in_the_matrix_and_guarded():
    routes = dict(_api_routes())
    assert set(routes) == set(API), (sorted(set(routes) - set(API)), sorted(set(API) - set(routes)))
    for key, op in routes.items():
        assert hasattr(op.view_func, "tincay_permission"), f"{key} has no @requires"


def _signed_carrier_request(people):
    """A request for the province, signed: one letter per demo carrier."""
    import datetime

    from outreach import carriers
    from outreach.models import KeyMessage

    now = timezone.now()
    request = carriers.create(
        people[R.FOCAL_POINT], KeyMessage.objects.filter(state="approved").exclude(sms_text="").first(),
        OrgUnit.objects.get(code="91"), now + datetime.timedelta(hours=1), now + datetime.timedelta(hours=5),
        carriers.carriers(),
    )  # fmt: skip
    return carriers.sign(people[R.LEADER], request)


@pytest.fixture
def url_args(people):
    """Arguments for detail URLs: an object each person may see (their own unit, org, self)."""
    province = OrgUnit.objects.get(code="91")
    contact = Contact.objects.first()
    event = audit.record(None, "test.event", province)
    tokens = {p.pk: ApiToken.issue(p, "matrix")[0] for p in people.values()}

    from reporting.models import ReportCycle, Submission

    cycle = ReportCycle.objects.filter(kind="weekly", due_at__gt=timezone.now()).order_by("due_at").first()

    def district_of(person):
        unit = person.org_unit
        return unit.code if unit is not None and unit.level == "district" else "899"

    def own_section(person):
        subs = Submission.objects.filter(cycle=cycle, org_unit__code=district_of(person))
        return (subs.filter(organisation=person.organisation).first() or subs.first()).pk

    from misinfo.models import Case, Tip

    tip = Tip.objects.filter(org_unit__code="899").first()  # Rạch Giá: every district role here may see it
    tip_with_file = Tip.objects.filter(org_unit__code="899").exclude(attachment="").first()
    case = Case.objects.filter(org_unit__code="899").first()
    referral = case.actions.get(kind="referral")
    evidence = case.evidence.exclude(file="").first()

    from listening.models import Alert, Source, Watchlist

    alert = Alert.objects.filter(post__org_unit__code="899").order_by("pk").first()  # Rạch Giá again
    watchlist = Watchlist.objects.get(org_unit__code="899")
    feed = Source.objects.filter(kind="rss").first()
    export = Source.objects.filter(kind="csv").first()

    from situation.models import Bulletin, Indicator

    indicator = Indicator.objects.first()
    issued = Bulletin.objects.filter(state="issued").order_by("-date").first()
    draft = Bulletin.objects.get(state="draft", date=timezone.localdate())
    delivery = issued.deliveries.first()
    from outreach.models import KeyMessage

    key_message = KeyMessage.objects.filter(state="approved").exclude(sms_text="").first()
    from outreach import campaigns
    from outreach.models import ContactGroup

    campaign = campaigns.start(people[R.FOCAL_POINT], key_message, ContactGroup.objects.first())
    from django.core.files.base import ContentFile

    from outreach.models import Script

    script = Script(message=key_message, source="x", spoken="x", voice="vi-vn-x-south", seconds=1.0)
    script.wav.save("matrix.wav", ContentFile(b"RIFF"), save=False)
    script.mp3.save("matrix.mp3", ContentFile(b"ID3"), save=False)
    script.save()
    from outreach import broadcasts

    broadcast = broadcasts.schedule(
        people[R.FOCAL_POINT], KeyMessage.objects.filter(state="approved").exclude(loudspeaker_text="").first(),
        OrgUnit.objects.filter(code="899"), priority="normal", starts_on=timezone.localdate(),
        ends_on=timezone.localdate(), times="06:00",
    )  # fmt: skip
    signed = _signed_carrier_request(people)

    def line_of(person):
        return signed.lines.filter(carrier_id=person.organisation_id).first() or signed.lines.first()

    from roster.models import Member, Roster

    duty = Roster.objects.get(kind="data_centre")  # everyone on it: each may open it
    for person in people.values():
        Member.objects.get_or_create(roster=duty, person=person)
    shift = duty.shifts.first()
    member = duty.members.first()
    assignment = duty.assignments.first()
    night = duty.shifts.get(code="dem")
    from roster.models import Assignment, CalendarFeed

    own_shift = {
        p.pk: Assignment.objects.create(roster=duty, day=duty.end, shift=night, person=p, source="manual").pk
        for p in people.values()
        if not Assignment.objects.filter(roster=duty, day=duty.end, shift=night, person=p).exists()
    }
    calendar = CalendarFeed.for_person(people[R.LEADER])

    def args(name, person):
        if name.startswith("listening:"):
            return {
                "listening:alert_act": {"pk": alert.pk, "operation": "dismiss"},
                "listening:post": {"pk": alert.post_id},
                "listening:watchlist_edit": {"pk": watchlist.pk},
                "listening:source_edit": {"pk": feed.pk},
                "listening:source_upload": {"pk": export.pk},
                "listening:source_poll": {"pk": feed.pk},
            }.get(name, {})
        if name.startswith("misinfo:"):
            return {
                "misinfo:tip_detail": {"pk": tip.pk},
                "misinfo:tip_attachment": {"pk": tip_with_file.pk},
                "misinfo:tip_link": {"pk": tip.pk},
                "misinfo:tip_new_claim": {"pk": tip.pk},
                "misinfo:claim_detail": {"pk": case.claim_id},
                "misinfo:case_open": {"pk": case.claim_id},
                "misinfo:case_detail": {"pk": case.pk},
                "misinfo:case_file": {"pk": case.pk},
                "misinfo:case_state": {"pk": case.pk},
                "misinfo:case_verdict": {"pk": case.pk},
                "misinfo:case_approve": {"pk": case.pk},
                "misinfo:action_add": {"pk": case.pk},
                "misinfo:evidence_add": {"pk": case.pk},
                "misinfo:evidence_download": {"pk": evidence.pk},
                "misinfo:action_update": {"pk": referral.pk},
                "misinfo:action_letter": {"pk": referral.pk},
                "misinfo:referral_update": {"pk": referral.pk},
            }.get(name, {})
        if name.startswith("roster:"):
            return {
                "roster:detail": {"pk": duty.pk},
                "roster:edit": {"pk": duty.pk},
                "roster:generate": {"pk": duty.pk},
                "roster:issue": {"pk": duty.pk},
                "roster:file": {"pk": duty.pk, "fmt": "xlsx"},
                "roster:shift_new": {"pk": duty.pk},
                "roster:shift": {"pk": duty.pk, "shift_pk": shift.pk},
                "roster:shift_delete": {"pk": duty.pk, "shift_pk": shift.pk},
                "roster:members_add": {"pk": duty.pk},
                "roster:member": {"pk": duty.pk, "member_pk": member.pk},
                "roster:replace": {"pk": duty.pk, "assignment_pk": assignment.pk},
                "roster:ical": {"key": calendar.key},
                "roster:swap_new": {"assignment_pk": own_shift.get(person.pk, assignment.pk)},
                "roster:swap_answer": {"swap_pk": 1},
                "roster:swap_decide": {"pk": duty.pk, "swap_pk": 1},
            }.get(name, {})
        if name == "public:verdict":
            return {"pk": case.pk}
        if name == "portal:language":
            return {"code": "en"}
        if name.startswith("outreach:"):
            return {
                "outreach:message": {"pk": key_message.pk},
                "outreach:message_edit": {"pk": key_message.pk},
                "outreach:message_act": {"pk": key_message.pk, "operation": "submit"},
                "outreach:message_audio": {"pk": key_message.pk},
                "outreach:script_file": {"pk": script.pk, "fmt": "mp3"},
                "outreach:campaign": {"pk": campaign.pk},
                "outreach:campaign_progress": {"pk": campaign.pk},
                "outreach:campaign_cancel": {"pk": campaign.pk},
                "outreach:broadcast": {"pk": broadcast.pk},
                "outreach:broadcast_cancel": {"pk": broadcast.pk},
                "outreach:carrier_request": {"pk": signed.pk},
                "outreach:carrier_request_sign": {"pk": signed.pk},
                "outreach:carrier_request_cancel": {"pk": signed.pk},
                "outreach:carrier_letter": {"pk": line_of(person).pk, "fmt": "pdf"},
                "outreach:carrier_report": {"pk": line_of(person).pk},
                "outreach:carrier_email": {"pk": line_of(person).pk},
            }.get(name, {})
        if name.startswith("situation:") or name.startswith("public:"):
            return {
                "situation:export": {"fmt": "csv"},
                "situation:indicator_edit": {"pk": indicator.pk},
                "situation:bulletin": {"pk": issued.pk},
                "situation:bulletin_edit": {"pk": draft.pk},
                "situation:bulletin_act": {"pk": draft.pk, "operation": "submit"},
                "situation:bulletin_file": {"pk": issued.pk, "fmt": "pdf"},
                "situation:delivery_resend": {"pk": delivery.pk},
                "public:bulletin": {"day": issued.slug},
                "public:bulletin_file": {"day": issued.slug, "fmt": "pdf"},
                "public:figures": {"day": issued.slug, "fmt": "json"},
            }.get(name, {})
        if name.startswith("reporting:"):
            return {
                "reporting:cycle_detail": {"pk": cycle.pk},
                "reporting:cycle_import": {"pk": cycle.pk},
                "reporting:cycle_export": {"pk": cycle.pk, "fmt": "xlsx"},
                "reporting:district_report": {"pk": cycle.pk, "code": district_of(person)},
                "reporting:district_export": {"pk": cycle.pk, "code": district_of(person)},
            }.get(name, {"pk": own_section(person)} if name.startswith("reporting:submission_") else {})
        return {
            "core:orgunit_detail": {"code": person.org_unit.code},
            "core:organisation_detail": {"pk": person.organisation_id},
            "core:person_detail": {"pk": person.pk},
            "core:person_role": {"pk": person.pk},
            "core:person_totp_reset": {"pk": person.pk},
            "core:contact_edit": {"pk": contact.pk},
            "core:audit_detail": {"pk": event.pk},
            "core:token_revoke": {"pk": tokens[person.pk].pk},
        }.get(name, {})

    return args


@pytest.mark.parametrize("role", list(Role))
def test_role_can_open_exactly_its_pages(client, people, url_args, role):
    person = people[role]
    client.force_login(person)
    for name, allowed in PAGES.items():
        if allowed == PUBLIC:
            continue
        url = reverse(name, kwargs=url_args(name, person))
        status = client.get(url).status_code
        if role in allowed:
            expected = 405 if name in POST_ONLY else 302 if (name, role) in REDIRECTS else 200
            assert status == expected, f"{role} GET {name}: {status}, expected {expected}"
        else:
            assert status == 403, f"{role} GET {name}: {status}, expected 403"


def test_anonymous_is_sent_to_login(client, people, url_args):
    anyone = people[Role.LEADER]
    for name, allowed in PAGES.items():
        url = reverse(name, kwargs=url_args(name, anyone))
        response = client.get(url)
        if allowed == PUBLIC:
            assert response.status_code in ({401} if name == "core:metrics" else {200, 302, 405}), name
        elif name == "core:home":  # the public portal's home page, with the staff's way in
            assert response.status_code == 200 and reverse("core:login").encode() in response.content
        else:
            assert response.status_code == 302 and "/login/" in response["Location"], name


def test_person_without_role_sees_nothing(client):
    nobody = Person.objects.create_user("norole", password="x", full_name="Không vai trò")
    client.force_login(nobody)
    assert client.get(reverse("core:home")).status_code == 403
    assert client.get(reverse("core:directory")).status_code == 403


@pytest.mark.parametrize("role", list(Role))
def test_role_can_call_exactly_its_api_routes(client, people, role):
    person = people[role]
    _token, key = ApiToken.issue(person, "matrix")
    headers = {"Authorization": f"Bearer {key}"}
    from reporting.models import ReportCycle, Submission

    cycle = ReportCycle.objects.filter(kind="weekly", due_at__gt=timezone.now()).order_by("due_at").first()
    from misinfo.models import CaseAction

    referral = CaseAction.objects.get(kind="referral", case__org_unit__code="899")
    from django.core.files.base import ContentFile

    from outreach.models import KeyMessage, Script

    script = Script(message=KeyMessage.objects.filter(state="approved").first(), source="x", spoken="x",
                    voice="vi-vn-x-south", seconds=1.0)  # fmt: skip
    script.wav.save("matrix.wav", ContentFile(b"RIFF"), save=False)
    script.mp3.save("matrix.mp3", ContentFile(b"ID3"), save=False)
    script.save()
    signed = _signed_carrier_request(people)
    line = signed.lines.filter(carrier_id=person.organisation_id).first() or signed.lines.first()
    own = (
        Submission.objects.filter(cycle=cycle, organisation=person.organisation).first()
        or Submission.objects.filter(cycle=cycle).first()
    )
    for route, allowed in API.items():
        method, path = route.split(" ", 1)
        path = path.replace("{code}", person.org_unit.code).replace("{cycle_id}", str(cycle.pk))
        path = path.replace("{section_id}", str(own.pk))
        path = path.replace("{action_id}", str(referral.pk)).replace("{script_id}", str(script.pk))
        path = path.replace("{line_id}", str(line.pk))
        if route == "POST /listening/posts":
            path += "?source=matrix"
        if route == "GET /outreach/timetable":
            path += "?zone=899"
        body = API_BODIES.get(route)
        if route == "PUT /outreach/carrier-lines/{line_id}":
            body = {**body, "sent_at": timezone.now().isoformat()}
        if route == "POST /misinfo/tips":  # a district speaks for its own area through its own channel
            from misinfo.actions import DISTRICT_CHANNELS

            channel = DISTRICT_CHANNELS.get(role)
            body = {**body, "channel": channel or "hotline", "org_unit_code": person.org_unit.code if channel else None}
        response = client.generic(
            method,
            f"/api/v1{path}",
            json.dumps(body) if body is not None else "",
            content_type="application/json",
            headers=headers,
        )
        expected = (201 if method == "POST" and "misinfo" in path else 200) if role in allowed else 403
        assert response.status_code == expected, f"{role} {route}: {response.status_code}"


def test_api_without_token_is_401_in_vietnamese(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["detail"] == "Thiếu mã truy cập API hoặc mã không hợp lệ."
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer tc_wrong"})
    assert response.status_code == 401


def test_revoked_token_is_refused(client, people):
    token, key = ApiToken.issue(people[Role.LEADER], "old")
    from core import actions

    actions.revoke_api_token(people[Role.LEADER], token)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_admin_site_is_for_administrators_only(client, people):
    for role, person in people.items():
        client.force_login(person)
        response = client.get("/admin/", follow=True)
        assert response.status_code == (200 if role == Role.ADMIN else 403), role
    client.force_login(people[Role.ADMIN])
    assert client.get("/admin/core/auditevent/").status_code == 200
    event = AuditEvent.objects.first()
    assert client.post(f"/admin/core/auditevent/{event.pk}/delete/").status_code == 403


def test_openapi_page_is_for_logged_in_staff(client, people):
    assert client.get("/api/v1/docs").status_code == 302
    client.force_login(people[Role.PRESS])
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"cdn" not in response.content  # Swagger UI from our own static files
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_administrator_cannot_make_a_superuser_in_admin(client, people):
    admin = people[Role.ADMIN]
    target = people[Role.PRESS]
    client.force_login(admin)
    page = client.get(f"/admin/core/person/{target.pk}/change/")
    assert page.status_code == 200
    assert 'name="is_superuser"' not in page.content.decode()


def test_admin_log_in_goes_through_our_log_in_page(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/?next=/admin/")
    assert b'name="password"' in response.content


def test_password_only_session_cannot_use_admin_or_pages(client, people):
    """Someone with an authenticator who got a session without a code (any way) is sent back
    to log in; the admin refuses too."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin = people[Role.ADMIN]
    TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    client.force_login(admin)  # a session without a verified code
    assert client.get("/admin/core/person/").status_code in {302, 403}
    response = client.get("/people/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert "_auth_user_id" not in client.session
    client.force_login(admin)
    assert client.get("/account/2fa/").status_code == 302  # no re-enrolment without the code


def test_administrator_cannot_take_over_a_superuser(client, people):
    root = Person.objects.create_superuser("root", "root@example.invalid", "x-secret-1", full_name="Root")
    client.force_login(people[Role.ADMIN])
    data = {"password1": "Taken-over-2021!", "password2": "Taken-over-2021!"}
    assert client.post(f"/admin/core/person/{root.pk}/password/", data).status_code == 403
    assert client.post(f"/admin/core/person/{root.pk}/delete/", {"post": "yes"}).status_code == 403
    root.refresh_from_db()
    assert root.check_password("x-secret-1")


def test_admin_password_change_is_audited(client, people):
    target = people[Role.PRESS]
    client.force_login(people[Role.ADMIN])
    data = {"password1": "Mat-khau-moi-2021", "password2": "Mat-khau-moi-2021"}
    assert client.post(f"/admin/core/person/{target.pk}/password/", data).status_code == 302
    assert AuditEvent.objects.filter(action="person.password", object_id=str(target.pk)).exists()


def test_public_api_needs_no_token(client):
    response = client.get("/api/v1/verdicts")
    assert response.status_code == 200 and response.json()["count"] >= 1
    assert "reporter" not in response.text.lower()
