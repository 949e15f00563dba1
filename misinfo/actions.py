"""State changes of the misinformation desk (check, change, status log, audit).

A tip is matched against every known claim as it arrives (vntext.matching): at or above
MISINFO_AUTO_LINK it joins the claim by itself, between MISINFO_SUGGEST and that the claim is
suggested to the inspector, below it stays unlinked until the inspector links it or makes it a
new claim. Cases follow TRANSITIONS; `_set_state` is the only place that changes a state.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.access import can, can_see
from core.models import OrgUnit
from core.rebuilt import Rebuilt
from core.validation import check_text, is_web_link
from vntext import nfc
from vntext.matching import Matcher

from .models import ActionEvent, Case, CaseAction, CaseEvent, Claim, CustodyEvent, Evidence, Tip

C = Case.State
TRANSITIONS = {
    C.NEW: {C.VERIFYING, C.CLOSED},
    C.VERIFYING: {C.VERDICT, C.CLOSED},
    C.VERDICT: {C.ACTIONS, C.CLOSED, C.VERIFYING},
    C.ACTIONS: {C.CLOSED},
    C.CLOSED: {C.VERIFYING},  # reopened when the claim comes back with something new
}
MAX_TIP = 4000
DISTRICT_CHANNELS = {
    "district_culture": Tip.Channel.DISTRICT,
    "district_broadcast": Tip.Channel.DISTRICT,
    "district_steering": Tip.Channel.STEERING,
}
MIN_TIP = 10
MAX_NAME = 150


class Rejected(Exception):
    def __init__(self, errors: dict):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _person(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require(actor, permission, obj=None):
    if actor is None:  # the public form, the scheduler, a command
        return
    if not can(actor, permission) or (obj is not None and obj.pk and not can_see(actor, obj)):
        raise PermissionDenied


# --- Matching -----------------------------------------------------------------------------

_matcher = Rebuilt(
    version=lambda: tuple(Claim.objects.aggregate(n=Count("pk"), last=Max("pk")).values()),
    build=lambda: Matcher(dict(Claim.objects.values_list("pk", "statement"))),
)


def matcher() -> Matcher:
    """The matcher over every known claim, rebuilt when claims are added or removed."""
    return _matcher.get()


def suggestions(text: str, limit: int = 3):
    """[(Claim, Match)] for a text, best first, down to the suggestion threshold."""
    found = [m for m in matcher().match(text, limit=limit) if m.score >= settings.MISINFO_SUGGEST]
    claims = Claim.objects.in_bulk([m.claim_id for m in found])
    return [(claims[m.claim_id], m) for m in found if m.claim_id in claims]


# --- Tips ---------------------------------------------------------------------------------


def clean_tip(text, url, reporter_name, reporter_contact) -> dict:
    """The checks of every intake channel; raises Rejected naming each bad field."""
    errors, out = {}, {}
    value, error = check_text(text, _("What was seen or heard"))
    if error:
        errors["text"] = error
    elif len(value) < MIN_TIP:
        errors["text"] = _("Describe what you saw or heard in at least %(n)d characters.") % {"n": MIN_TIP}
    elif len(value) > MAX_TIP:
        errors["text"] = _("At most %(n)d characters.") % {"n": MAX_TIP}
    else:
        out["text"] = nfc(value) if "\n" not in value else value
    url = (url or "").strip() if isinstance(url, str) else None
    if url is None or len(url) > 1000:
        errors["url"] = _("Give a link of at most 1000 characters.")
    elif url:
        if is_web_link(url):
            out["url"] = url
        else:
            errors["url"] = _("Give the link as it appears in the browser, starting with http:// or https://.")
    for key, raw, limit, label in (
        ("reporter_name", reporter_name, MAX_NAME, _("Name")),
        ("reporter_contact", reporter_contact, 200, _("Phone or email")),
    ):
        value, error = check_text(raw or "", label)
        if error or len(value) > limit:
            errors[key] = error or _("At most %(n)d characters.") % {"n": limit}
        else:
            out[key] = value
    if errors:
        raise Rejected(errors)
    out.setdefault("url", "")
    return out


@transaction.atomic
def record_tip(
    actor,
    *,
    channel: str,
    text,
    url="",
    org_unit: OrgUnit | None = None,
    reporter_name="",
    reporter_contact="",
    attachment: tuple[bytes, str] | None = None,
) -> Tip:
    """Any intake channel: the hotline log, the public form, a district, listening alerts."""
    _require(actor, "misinfo.tip")
    if channel not in Tip.Channel.values:
        raise Rejected({"channel": _("Unknown channel.")})
    if actor is not None and org_unit is not None and not can_see(actor, org_unit):
        raise PermissionDenied
    own = DISTRICT_CHANNELS.get(getattr(actor, "role", None))
    if own is not None:  # a district speaks for its own area, through its own channel
        if channel != own:
            raise Rejected(
                {
                    "channel": _("Your unit sends tips through the “%(channel)s” channel.")
                    % {"channel": Tip.Channel(own).label}
                }
            )
        if org_unit is None:
            raise Rejected({"org_unit": _("Choose the district the tip is about.")})
    data = clean_tip(text, url, reporter_name, reporter_contact)
    kind = check_file(attachment[0], "attachment") if attachment is not None else None
    tip = Tip(channel=channel, org_unit=org_unit, text=data["text"], url=data["url"], submitted_by=_person(actor))
    if attachment is not None:
        path, digest, _created = store_file(attachment[0], kind[1])
        tip.attachment.name, tip.attachment_sha256, tip.attachment_type = path, digest, kind[0]
        tip.attachment_name = _safe_name(attachment[1])
    tip.reporter_name, tip.reporter_contact = data["reporter_name"], data["reporter_contact"]
    best = next(iter(suggestions(tip.text, limit=1)), None)
    if best is not None:
        claim, match = best
        tip.match_score = match.score
        if match.score >= settings.MISINFO_AUTO_LINK and not match.negated:
            tip.claim, tip.match = claim, Tip.Match.AUTO
        else:
            tip.suggested_claim, tip.match = claim, Tip.Match.SUGGESTED
    tip.save()
    # The audit log never holds who reported: the channel and the match only.
    audit.record(actor, "misinfo.tip", tip, note=f"{tip.channel}; {tip.match}")
    return tip


@transaction.atomic
def link_tip(actor, tip: Tip, claim: Claim) -> Tip:
    _require(actor, "misinfo.handle", tip)
    tip = Tip.objects.select_for_update().get(pk=tip.pk)
    tip.claim, tip.suggested_claim, tip.match = claim, None, Tip.Match.CONFIRMED
    tip.save(update_fields=["claim", "suggested_claim", "match"])
    audit.record(actor, "misinfo.tip_link", tip, note=f"claim {claim.pk}")
    return tip


@transaction.atomic
def new_claim(actor, tip: Tip, statement) -> Claim:
    """The tip says something not seen before: it becomes a claim of its own."""
    _require(actor, "misinfo.handle", tip)
    value, error = check_text(statement, _("Statement"))
    if error or not value or len(value) < MIN_TIP:
        raise Rejected({"statement": error or _("Write the statement in one or two sentences.")})
    claim = Claim.objects.create(
        statement=nfc(value), org_unit=tip.org_unit, created_by=_person(actor), first_seen_at=tip.received_at
    )
    Tip.objects.filter(pk=tip.pk).update(claim=claim, suggested_claim=None, match=Tip.Match.NEW)
    audit.record(actor, "misinfo.claim", claim, note=f"tip {tip.pk}")
    return claim


# --- Cases --------------------------------------------------------------------------------


def _set_state(actor, case: Case, to_state: str, note: str = "") -> None:
    if to_state not in TRANSITIONS[case.state]:
        raise Rejected(
            {
                "state": _("A case that is “%(state)s” cannot go to “%(to)s”.")
                % {"state": case.get_state_display(), "to": Case.State(to_state).label}
            }
        )
    CaseEvent.objects.create(case=case, actor=_person(actor), from_state=case.state, to_state=to_state, note=note)
    case.state = to_state


@transaction.atomic
def open_case(actor, claim: Claim) -> Case:
    _require(actor, "misinfo.handle", claim)
    case, created = Case.objects.get_or_create(
        claim=claim, defaults={"org_unit": claim.org_unit, "assigned_to": _person(actor)}
    )
    if created:
        CaseEvent.objects.create(
            case=case, actor=_person(actor), from_state=C.NEW, to_state=C.NEW, note=_("Case opened")
        )
        audit.record(actor, "misinfo.case_open", case)
        for tip in claim.tips.exclude(attachment=""):
            with tip.attachment.open("rb") as handle:
                add_evidence(actor, case, url=tip.url, data=handle.read(), filename=tip.attachment_name,
                             note=_("Sent with tip TG-%(n)06d") % {"n": tip.pk})  # fmt: skip
    return case


@transaction.atomic
def change_state(actor, case: Case, to_state: str, note: str = "") -> Case:
    _require(actor, "misinfo.handle", case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if to_state not in C.values:
        raise Rejected({"state": _("Choose the state to move the case to.")})
    if to_state == C.VERDICT:
        raise Rejected({"state": _("Record the verdict with its explanation instead.")})
    if to_state == C.CLOSED and case.actions.filter(state__in=[A.PLANNED, A.SENT, A.ACKNOWLEDGED]).exists():
        raise Rejected({"state": _("Finish or cancel the case's open actions before closing it.")})
    note, error = check_text(note or "", _("Note"))
    if error:
        raise Rejected({"note": error})
    before = case.state
    _set_state(actor, case, to_state, note)
    if to_state == C.VERIFYING and case.published_at:
        # Verified again: the published verdict comes off the public site until approved anew.
        case.published_at, case.approved_by = None, None
    case.save(update_fields=["state", "published_at", "approved_by"])
    audit.record(actor, "misinfo.case_state", case, before={"state": before}, after={"state": to_state}, note=note)
    return case


@transaction.atomic
def record_verdict(actor, case: Case, verdict: str, explanation, sources="") -> Case:
    _require(actor, "misinfo.handle", case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    errors = {}
    if verdict not in Case.Verdict.values:
        errors["verdict"] = _("Choose one of the verdicts.")
    explanation, error = check_text(explanation, _("Explanation"))
    if error or not explanation or len(explanation) < 20:
        errors["explanation"] = error or _("Explain the verdict for the public in at least 20 characters.")
    sources, error = check_text(sources or "", _("Sources"))
    if error:
        errors["sources"] = error
    if errors:
        raise Rejected(errors)
    _set_state(actor, case, C.VERDICT, Case.Verdict(verdict).label)
    case.verdict, case.explanation, case.sources, case.verdict_at = verdict, explanation, sources, timezone.now()
    case.verdict_by, case.approved_by, case.published_at = _person(actor), None, None  # a new verdict: approve again
    case.save()
    audit.record(actor, "misinfo.verdict", case, after={"verdict": verdict})
    return case


@transaction.atomic
def approve_verdict(actor, case: Case) -> Case:
    """A leader approves the verdict for publication: then it is on the public site and the
    people who reported the claim and left an email are told. Never by the verdict's author."""
    _require(actor, "misinfo.approve", case)
    case = Case.objects.select_for_update().select_related("claim").get(pk=case.pk)
    if not case.verdict or case.state not in {C.VERDICT, C.ACTIONS, C.CLOSED}:
        raise Rejected({"__all__": _("There is no verdict to approve yet.")})
    if case.published_at:
        raise Rejected({"__all__": _("This verdict is already published.")})
    if actor is not None and case.verdict_by_id == actor.pk:
        raise Rejected(
            {"__all__": _("Two-person rule: the verdict must be approved by someone other than its author.")}
        )
    case.approved_by, case.published_at = _person(actor), timezone.now()
    case.save(update_fields=["approved_by", "published_at"])
    audit.record(actor, "misinfo.publish", case, after={"verdict": case.verdict})
    _tell_reporters(case)
    return case


def _tell_reporters(case: Case) -> None:
    """Queue the emails to the reporters of the claim. Only the case's id goes into the task queue:
    the addresses are decrypted by the task, so they are never stored in clear."""
    from core.tasks import enqueue_on_commit

    from .tasks import tell_reporters

    enqueue_on_commit(tell_reporters, case.pk)


# --- Actions after the verdict ------------------------------------------------------------

A = CaseAction.State
ACTION_TRANSITIONS = {
    A.PLANNED: {A.SENT, A.DONE, A.CANCELLED},
    A.SENT: {A.ACKNOWLEDGED, A.DONE, A.CANCELLED},
    A.ACKNOWLEDGED: {A.DONE, A.CANCELLED},
    A.DONE: set(),
    A.CANCELLED: set(),
}
# Decree 15/2020/NĐ-CP Art. 101 (as amended by Decree 14/2022/NĐ-CP): fines for providing or
# sharing false information on social networks; an organisation pays twice an individual's.
FINES_VND = {
    CaseAction.Subject.INDIVIDUAL: (5_000_000, 10_000_000),
    CaseAction.Subject.ORGANISATION: (10_000_000, 20_000_000),
}
SANCTION_BASIS = "Điều 101 Nghị định số 15/2020/NĐ-CP, được sửa đổi, bổ sung bởi Nghị định số 14/2022/NĐ-CP"


def _vnd(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def _check_action(kind: str, state: str, data: dict) -> dict:
    """Errors for the fields an action of this kind needs in this state."""
    errors = {}
    for key in ("recipient", "note", "outcome", "letter_number", "subject_name", "decision_number"):
        value, error = check_text(data.get(key) or "", key)
        if error or len(value) > (60 if key in {"letter_number", "decision_number"} else 4000):
            errors[key] = error or _("At most %(n)d characters.") % {"n": 60}
        else:
            data[key] = value
    url = data.get("published_url") or ""
    if url and not is_web_link(url):
        errors["published_url"] = _("Give the link as it appears in the browser, starting with http:// or https://.")
    sent = state in {A.SENT, A.ACKNOWLEDGED, A.DONE}
    if kind in {CaseAction.Kind.REFERRAL, CaseAction.Kind.REBUTTAL, CaseAction.Kind.TAKEDOWN} and sent:
        if not data.get("letter_number"):
            errors["letter_number"] = _("A request that was sent has the number of its official letter.")
        if not data.get("letter_date"):
            errors["letter_date"] = _("Give the date of the official letter.")
        elif data["letter_date"] > timezone.localdate():
            errors["letter_date"] = _("The letter cannot be dated in the future.")
    if data.get("deadline") and data.get("letter_date") and data["deadline"] < data["letter_date"]:
        errors["deadline"] = _("The deadline cannot be before the letter.")
    if kind == CaseAction.Kind.REFERRAL and state == A.DONE and not data.get("outcome"):
        errors["outcome"] = _("Record the outcome of the referral.")
    if kind == CaseAction.Kind.REBUTTAL and state == A.DONE and not url:
        errors["published_url"] = _("Give the address where the rebuttal was published.")
    if kind == CaseAction.Kind.SANCTION:
        subject = data.get("subject_kind")
        if subject not in FINES_VND:
            errors["subject_kind"] = _("Say whether the violator is an individual or an organisation.")
        else:
            low, high = FINES_VND[subject]
            fine = data.get("fine_vnd")
            if fine is None or not low <= fine <= high:
                errors["fine_vnd"] = _(
                    "Under Art. 101 of Decree 15/2020 (amended by Decree 14/2022) the fine for %(subject)s is "
                    "from %(low)s to %(high)s VND."
                ) % {"subject": CaseAction.Subject(subject).label.lower(), "low": _vnd(low), "high": _vnd(high)}
        if not data.get("subject_name"):
            errors["subject_name"] = _("Name the violator.")
        if state == A.DONE and not data.get("decision_number"):
            errors["decision_number"] = _("Give the number of the sanction decision.")
    return errors


@transaction.atomic
def add_action(actor, case: Case, kind: str, **data) -> CaseAction:
    """Plan (or record as already done) an action of a case that has its verdict."""
    _require(actor, "misinfo.handle", case)
    case = Case.objects.select_for_update().get(pk=case.pk)
    if kind not in CaseAction.Kind.values:
        raise Rejected({"kind": _("Choose the kind of action.")})
    if case.state not in {C.VERDICT, C.ACTIONS}:
        raise Rejected({"kind": _("Actions follow the verdict: record the verdict first.")})
    state = data.pop("state", A.PLANNED)
    if state not in A.values or state == A.CANCELLED:
        raise Rejected({"state": _("Choose the state of the action.")})
    fields = {f.name for f in CaseAction._meta.concrete_fields} - {"id", "case", "kind", "state", "created_by"}
    unknown = set(data) - fields
    if unknown:
        raise Rejected({name: _("Unknown field.") for name in unknown})
    errors = _check_action(kind, state, data)
    if errors:
        raise Rejected(errors)
    action = CaseAction.objects.create(case=case, kind=kind, state=state, created_by=_person(actor), **data)
    ActionEvent.objects.create(action=action, actor=_person(actor), from_state=A.PLANNED, to_state=state)
    if case.state == C.VERDICT:
        _set_state(actor, case, C.ACTIONS, action.get_kind_display())
        case.save(update_fields=["state"])
    if kind == CaseAction.Kind.REFERRAL and state != A.PLANNED:
        seal_evidence(actor, case)
    audit.record(actor, "misinfo.action", action, org_unit=case.org_unit, note=f"{kind}: {state}")
    return action


@transaction.atomic
def update_action(actor, action: CaseAction, to_state: str, **data) -> CaseAction:
    """Move an action on (sent, acknowledged, done, cancelled), filling what that step needs.
    The police liaison may acknowledge and record the outcome of a referral."""
    police = actor is not None and can(actor, "misinfo.police") and action.kind == CaseAction.Kind.REFERRAL
    if not police:
        _require(actor, "misinfo.handle", action)
    action = CaseAction.objects.select_for_update().select_related("case").get(pk=action.pk)
    if to_state not in ACTION_TRANSITIONS[action.state]:
        raise Rejected(
            {
                "state": _("This action is “%(state)s” and cannot be moved that way.")
                % {"state": action.get_state_display()}
            }
        )
    if police and set(data) - {"outcome", "note"}:
        raise PermissionDenied
    current = {f.name: getattr(action, f.name) for f in CaseAction._meta.concrete_fields}
    merged = {**current, **data}
    errors = _check_action(action.kind, to_state, merged)
    if errors:
        raise Rejected(errors)
    for name in data:
        setattr(action, name, merged[name])
    if to_state == A.ACKNOWLEDGED and not action.acknowledged_at:
        action.acknowledged_at = timezone.now()
    ActionEvent.objects.create(
        action=action,
        actor=_person(actor),
        from_state=action.state,
        to_state=to_state,
        note=merged.get("note", "") if "note" in data else "",
    )
    action.state = to_state
    action.save()
    if action.kind == CaseAction.Kind.REFERRAL and to_state in {A.SENT, A.ACKNOWLEDGED, A.DONE}:
        seal_evidence(actor, action.case)
    audit.record(actor, "misinfo.action", action, org_unit=action.case.org_unit, note=f"{action.kind}: {to_state}")
    return action


# --- Evidence -----------------------------------------------------------------------------

# What a captured copy may be, recognised by its first bytes (never by its name).
SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
    (b"%PDF-", "application/pdf", "pdf"),
]


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) from the content, or None when it is none of the kinds kept."""
    for magic, content_type, ext in SIGNATURES:
        if data.startswith(magic):
            return content_type, ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    try:
        text = data[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    head = text.lstrip("\ufeff \t\r\n").lower()
    if head.startswith(("<!doctype html", "<html", "<head", "<meta")):
        return "text/html", "html"  # a saved page: kept, but only ever served as a download
    return "text/plain", "txt"


def check_file(data: bytes, field: str = "file") -> tuple[str, str]:
    """(content type, extension) of an uploaded copy, or Rejected naming the field."""
    if not data:
        raise Rejected({field: _("The file is empty.")})
    if len(data) > settings.EVIDENCE_MAX_BYTES:
        raise Rejected({field: _("The file is larger than %(mb)d MB.") % {"mb": settings.EVIDENCE_MAX_BYTES // 2**20}})
    kind = sniff(data)
    if kind is None:
        raise Rejected({field: _("Keep screenshots (PNG, JPEG, GIF, WebP), PDF, saved pages (HTML) or text only.")})
    return kind


def store_file(data: bytes, ext: str) -> tuple[str, str, bool]:
    """Keep bytes under their SHA-256 (one file per content): (path, sha256, newly written)."""
    import hashlib
    import logging

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    digest = hashlib.sha256(data).hexdigest()
    path = f"evidence/{digest}.{ext}"
    if default_storage.exists(path):
        if default_storage.size(path) == len(data):
            return path, digest, False
        default_storage.delete(path)  # a copy cut short (a write that failed): write it again
    try:
        saved = default_storage.save(path, ContentFile(data))
    except OSError as error:
        # Disk full (or the folder unwritable): leave no part of the file behind, and say so.
        if default_storage.exists(path) and default_storage.size(path) != len(data):
            default_storage.delete(path)
        logging.getLogger(__name__).error("evidence not stored (%s): %s", path, error)
        message = _("The server has no room to keep the file right now: nothing was saved. Please try again later.")
        raise Rejected({"__all__": message}) from error
    if saved != path:  # a concurrent capture of the same bytes won the name
        default_storage.delete(saved)
    return path, digest, True


def _safe_name(name: str) -> str:
    """A file name to show: the last path part, printable, at most 200 characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    return base.strip(" .")[:200] or "evidence"


@transaction.atomic
def add_evidence(actor, case: Case, *, url="", data: bytes | None = None, filename="", note="") -> Evidence:
    """Capture a piece of evidence: a URL, a copy (checked by content and size), or both."""
    from django.core.files.storage import default_storage

    _require(actor, "misinfo.handle", case)
    if case.state == C.CLOSED:
        raise Rejected({"__all__": _("The case is closed: reopen it to add evidence.")})
    errors = {}
    url = (url or "").strip()
    if url and not is_web_link(url):
        errors["url"] = _("Give the link as it appears in the browser, starting with http:// or https://.")
    note, error = check_text(note or "", _("Note"))
    if error:
        errors["note"] = error
    kind = None
    if data is not None:
        try:
            kind = check_file(data)
        except Rejected as e:
            errors.update(e.errors)
    if not url and data is None and not errors:
        errors["url"] = _("Give the link, a captured copy, or both.")
    if errors:
        raise Rejected(errors)
    evidence = Evidence(case=case, url=url, note=note, captured_by=_person(actor))
    created = False
    if data is not None:
        # Stored under its hash, never under the name it came with (no path tricks, no clashes).
        path, digest, created = store_file(data, kind[1])
        evidence.file.name, evidence.sha256, evidence.size = path, digest, len(data)
        evidence.content_type, evidence.original_name = kind[0], _safe_name(filename)
    try:
        evidence.save()
    except Exception:
        if created and not Evidence.objects.filter(file=evidence.file.name).exists():
            default_storage.delete(evidence.file.name)  # nothing half-written is left on disk
        raise
    CustodyEvent.objects.create(evidence=evidence, actor=_person(actor), action=CustodyEvent.Action.CAPTURED)
    audit.record(actor, "misinfo.evidence", evidence, org_unit=case.org_unit, note=evidence.sha256)
    referred = case.actions.filter(kind=CaseAction.Kind.REFERRAL).exclude(state__in=[A.PLANNED, A.CANCELLED])
    if referred.exists():  # found after the referral: sealed as it is captured
        seal_evidence(actor, case)
        evidence.refresh_from_db()
    return evidence


def record_download(actor, evidence: Evidence) -> None:
    CustodyEvent.objects.create(evidence=evidence, actor=_person(actor), action=CustodyEvent.Action.DOWNLOADED)
    audit.record(actor, "misinfo.evidence_download", evidence, org_unit=evidence.case.org_unit)


def seal_evidence(actor, case: Case) -> int:
    """On referral: every piece of evidence of the case so far is sealed, with a custody entry."""
    now = timezone.now()
    pending = list(case.evidence.filter(sealed_at__isnull=True))
    Evidence.objects.filter(pk__in=[e.pk for e in pending]).update(sealed_at=now)
    for item in pending:
        CustodyEvent.objects.create(evidence=item, actor=_person(actor), action=CustodyEvent.Action.SEALED)
    if pending:
        audit.record(actor, "misinfo.evidence_seal", case, note=", ".join(e.sha256 or e.url for e in pending)[:1000])
    return len(pending)
