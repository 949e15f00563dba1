"""What an inspector does with an alert, through the desk's own actions (misinfo.actions): dismiss
it, attach its post to a claim's case as evidence, or send it to the desk as a tip. Each is
checked, done once (the alert is locked and must still be open), audited."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.access import can, can_see, can_see_province
from core.validation import check_text
from misinfo import actions as desk
from misinfo.actions import Rejected
from misinfo.models import Case
from vntext.watch import phrases_of

from . import ingest, uploads
from .models import Alert, Source, Watchlist

MAX_NOTE = 500


def _require(actor, permission: str, obj=None) -> None:
    if not can(actor, permission) or (obj is not None and not can_see(actor, obj)):
        raise PermissionDenied


def _open(actor, alert: Alert) -> Alert:
    _require(actor, "listening.handle", alert)
    alert = (
        Alert.objects.select_for_update(of=("self",)).select_related("post__source", "post__org_unit").get(pk=alert.pk)
    )
    if alert.state != Alert.State.OPEN:
        raise Rejected(
            {"__all__": _("This alert was already handled (%(state)s).") % {"state": alert.get_state_display()}}
        )
    return alert


def _close(actor, alert: Alert, state: str, action: str, note: str = "") -> Alert:
    alert.state, alert.handled_by, alert.handled_at, alert.note = state, actor, timezone.now(), note[:MAX_NOTE]
    alert.save(update_fields=["state", "handled_by", "handled_at", "note", "case", "tip"])
    audit.record(actor, action, alert, org_unit=alert.post.org_unit, note=note[:200])
    return alert


@transaction.atomic
def dismiss(actor, alert: Alert, note: str = "") -> Alert:
    alert = _open(actor, alert)
    note, error = check_text(note or "", _("Reason"))
    if error or len(note) > MAX_NOTE:
        raise Rejected({"note": error or _("At most %(n)d characters.") % {"n": MAX_NOTE}})
    return _close(actor, alert, Alert.State.DISMISSED, "listening.dismiss", note)


@transaction.atomic
def reopen(actor, alert: Alert) -> Alert:
    """Undo a dismissal (a slip of the keyboard): attached or sent alerts stay as they are."""
    _require(actor, "listening.handle", alert)
    alert = Alert.objects.select_for_update(of=("self",)).select_related("post__org_unit").get(pk=alert.pk)
    if alert.state != Alert.State.DISMISSED:
        raise Rejected({"__all__": _("Only a dismissed alert can be reopened.")})
    alert.state, alert.handled_by, alert.handled_at, alert.note = Alert.State.OPEN, None, None, ""
    alert.save(update_fields=["state", "handled_by", "handled_at", "note"])
    audit.record(actor, "listening.reopen", alert, org_unit=alert.post.org_unit)
    return alert


def post_copy(alert: Alert) -> bytes:
    """The post as captured, a plain-text file kept as evidence (hashed by the desk)."""
    post = alert.post
    lines = [
        _("Source: %(source)s") % {"source": post.source.name},
        _("Id at the source: %(id)s") % {"id": post.external_id},
        _("Link: %(url)s") % {"url": post.url or "-"},
        _("Author: %(author)s") % {"author": post.author or "-"},
        _("Published: %(at)s") % {"at": post.published_at.isoformat() if post.published_at else "-"},
        _("Received: %(at)s") % {"at": post.received_at.isoformat()},
        _("Reactions %(r)d, comments %(c)d, shares %(s)d")
        % {"r": post.reactions, "c": post.comments, "s": post.shares},
        "",
        post.text,
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


@transaction.atomic
def attach(actor, alert: Alert, case: Case | None = None) -> Alert:
    """The post becomes evidence on a case: the given one, else the case of the alert's claim
    (opened now if the claim has none yet)."""
    alert = _open(actor, alert)
    if case is None:
        if alert.claim_id is None:
            raise Rejected({"case": _("Choose the case to attach this post to.")})
        case = desk.open_case(actor, alert.claim)
    desk.add_evidence(
        actor, case, url=alert.post.url, data=post_copy(alert), filename=f"post-{alert.post_id}.txt",
        note=_("Post from %(source)s (listening alert %(n)d)") % {"source": alert.post.source.name, "n": alert.pk},
    )  # fmt: skip
    alert.case = case
    return _close(actor, alert, Alert.State.ATTACHED, "listening.attach", note=f"case {case.pk}")


@transaction.atomic
def to_desk(actor, alert: Alert) -> Alert:
    """A tip on the desk's listening channel, linked to the alert's claim when there is one."""
    alert = _open(actor, alert)
    post = alert.post
    text = post.text if len(post.text) <= desk.MAX_TIP else post.text[: desk.MAX_TIP - 1] + "…"
    tip = desk.record_tip(actor, channel="listening", text=text, url=post.url, org_unit=post.org_unit)
    if alert.claim_id and tip.claim_id != alert.claim_id:
        tip = desk.link_tip(actor, tip, alert.claim)
    alert.tip = tip
    return _close(actor, alert, Alert.State.TIPPED, "listening.tip", note=f"tip {tip.pk}")


def bulk(actor, alerts, operation: str) -> tuple[int, list[str]]:
    """One operation on many alerts (a claim's group): (done, problems). Each alert is its own
    transaction, so one that another inspector handled meanwhile does not undo the others."""
    done, problems = 0, []
    for alert in alerts:
        try:
            {"dismiss": dismiss, "attach": attach, "tip": to_desk}[operation](actor, alert)
            done += 1
        except Rejected as e:
            problems.append(f"#{alert.pk}: " + "; ".join(str(v) for v in e.errors.values()))
    return done, problems


# --- Watchlists ---------------------------------------------------------------------------

MAX_PHRASES = 50
MAX_PHRASE = 200


@transaction.atomic
def save_watchlist(actor, watchlist: Watchlist, data: dict, notify) -> Watchlist:
    """Create or change a watchlist: checked (phrases, area in the person's scope), audited."""
    creating = watchlist.pk is None
    _require(actor, "listening.watch", None if creating else watchlist)
    errors = {}
    name, error = check_text(data.get("name") or "", _("Name"))
    if error or not name.strip() or len(name) > 120 or "\n" in name or "\r" in name:
        errors["name"] = error or _("Give the watchlist a name of at most 120 characters, on one line.")
    phrases, error = check_text(data.get("phrases") or "", _("Phrases"))
    lines = [line.strip() for line in phrases.splitlines() if line.strip()] if not error else []
    if error:
        errors["phrases"] = error
    elif not lines or not phrases_of(phrases):
        errors["phrases"] = _("Write at least one phrase (one per line).")
    elif len(lines) > MAX_PHRASES:
        errors["phrases"] = _("At most %(n)d phrases.") % {"n": MAX_PHRASES}
    elif any(len(line) > MAX_PHRASE for line in lines):
        number = next(i for i, line in enumerate(lines, 1) if len(line) > MAX_PHRASE)
        errors["phrases"] = _("Line %(line)d: at most %(n)d characters.") % {"line": number, "n": MAX_PHRASE}
    mode = data.get("mode") or Watchlist.Mode.ANY
    if mode not in Watchlist.Mode.values:
        errors["mode"] = _("Choose how the phrases must be found.")
    try:
        within = int(data.get("within") or 8)
        if not 1 <= within <= 50:
            raise ValueError
    except (TypeError, ValueError):
        errors["within"] = _("A whole number of words from 1 to 50.")
        within = 8
    org_unit = data.get("org_unit")
    if org_unit is None and not can_see_province(actor):
        errors["org_unit"] = _("Choose your district or one of its communes.")
    elif org_unit is not None and not can_see(actor, org_unit):
        errors["org_unit"] = _("Choose an area you are responsible for.")
    notify = list(notify)
    if any(not can(p, "listening.view") or (org_unit is not None and not can_see(p, org_unit)) for p in notify):
        errors["notify"] = _("Only people who see this area's alerts can be notified.")
    if errors:
        raise Rejected(errors)
    before = None if creating else {"name": watchlist.name, "phrases": watchlist.phrases, "mode": watchlist.mode}
    watchlist.name, watchlist.phrases, watchlist.mode, watchlist.within = name.strip(), "\n".join(lines), mode, within
    watchlist.org_unit = org_unit
    watchlist.is_active = bool(data.get("is_active", True))
    if creating:
        watchlist.created_by = actor
    watchlist.save()
    # People this person cannot see (a province inspector, for a district) stay as they were:
    # they were not on the form, so leaving them out is not a choice to remove them.
    unseen = [] if creating else [p for p in watchlist.notify.all() if not can_see(actor, p)]
    watchlist.notify.set(notify + unseen)
    audit.record(actor, "listening.watchlist", watchlist, before=before,
                 after={"name": watchlist.name, "phrases": watchlist.phrases, "mode": watchlist.mode})  # fmt: skip
    return watchlist


# --- Sources ------------------------------------------------------------------------------


@transaction.atomic
def save_source(actor, form) -> Source:
    """A source created or changed through its (valid) form, audited."""
    _require(actor, "listening.sources")
    source = form.save()
    audit.record(actor, "listening.source", source, after=form.cleaned_data | {"org_unit": source.org_unit_id})
    return source


def import_export(actor, source: Source, table, mapping: dict):
    """An export of a listening tool stored like any batch of posts; the mapping is kept for the
    source's next export, and the import is audited with its counts."""
    _require(actor, "listening.sources")
    result = ingest.store(source, uploads.items(table, mapping))
    Source.objects.filter(pk=source.pk).update(mapping=mapping)
    counts = f"{result.stored} stored, {result.duplicates} duplicates, {len(result.errors)} errors"
    audit.record(actor, "listening.upload", source, note=counts)
    return result
