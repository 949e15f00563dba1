"""Every change of the situation module: the day's figures, the bulletin's workflow and its
delivery. Each function checks permission, changes, writes the audit event and enqueues its
tasks on commit. Views, the API, the import, commands and the scheduler call these.

The bulletin moves draft → submitted → issued, or submitted → draft when a leader returns it
(TRANSITIONS; `_set_state` is the only place a state changes, one BulletinEvent per change).
"""

import datetime
import hashlib
from datetime import time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.access import can, can_see_province
from core.models import Contact, OrgUnit
from core.tasks import enqueue_on_commit
from core.validation import check_text

from . import compose
from . import figures as fig
from .models import Bulletin, BulletinEvent, Delivery, Figure, FigureChange, SituationDay

S = Bulletin.State
TRANSITIONS = {
    S.DRAFT: {S.SUBMITTED},
    S.SUBMITTED: {S.DRAFT, S.ISSUED},
    S.ISSUED: set(),
}
SUMMARY_MAX = 8000


class BulletinError(ValidationError):
    pass


def _require(person, permission):
    if person is not None and not can(person, permission):
        raise PermissionDenied


def _require_province(person, root: OrgUnit):
    """The figures and the bulletin are the province's: province roles only."""
    if person is not None and not (can_see_province(person) and person.is_active):
        raise PermissionDenied


# --- Figures -------------------------------------------------------------------------------------
def save_figures(person, root: OrgUnit, date: datetime.date, entries: list[fig.Entry], *, source=Figure.Source.GRID):
    """Check and save one day's rows, all or nothing. Returns the Plan; with problems nothing is
    written. Every change of a value already given is kept in FigureChange."""
    _require(person, "situation.enter")
    _require_province(person, root)
    with transaction.atomic():
        day, _created = SituationDay.objects.get_or_create(org_unit=root, date=date)
        day = SituationDay.objects.select_for_update().get(pk=day.pk)  # one save of a day at a time
        plan = fig.check(root, date, entries)
        if not plan.ok:
            transaction.set_rollback(True)
            return plan
        now = timezone.now()
        existing = fig.values_on(root, date)
        new_rows, changed_rows, history = [], [], []
        for change in plan.changes:
            figure = existing.get((change.unit.pk, change.indicator.pk))
            if figure is None:
                new_rows.append(
                    Figure(
                        date=date,
                        org_unit=change.unit,
                        indicator=change.indicator,
                        value=change.new,
                        note=change.note,
                        source=source,
                        updated_at=now,
                        updated_by=person,
                    )
                )
                continue
            history.append(
                FigureChange(
                    figure=figure,
                    old_value=figure.value,
                    new_value=change.new,
                    reason=change.note,
                    correction=day.is_confirmed,
                    source=source,
                    changed_at=now,
                    changed_by=person,
                )
            )
            figure.value, figure.note, figure.source, figure.updated_at, figure.updated_by = (
                change.new,
                change.note or figure.note,
                source,
                now,
                person,
            )
            changed_rows.append(figure)
        Figure.objects.bulk_create(new_rows)
        Figure.objects.bulk_update(changed_rows, ["value", "note", "source", "updated_at", "updated_by"])
        FigureChange.objects.bulk_create(history)
        if plan.changes:
            audit.record(
                person,
                "situation.correct" if day.is_confirmed and history else "situation.figures",
                day,
                after={
                    "new": len(new_rows),
                    "changed": len(changed_rows),
                    "source": source,
                    "changes": [
                        {"unit": c.unit.code, "indicator": c.indicator.code, "old": c.old, "new": c.new}
                        for c in plan.changes[:200]
                    ],
                },
                note="; ".join(sorted({c.note for c in plan.corrections if c.note}))[:500],
            )
        plan.day = day
    return plan


def confirm_day(person, root: OrgUnit, date: datetime.date) -> SituationDay:
    """The health data officer says the day's figures are complete: from now on a change is a
    correction with a reason. Districts without figures are named in the audit note."""
    _require(person, "situation.enter")
    _require_province(person, root)
    with transaction.atomic():
        day, _created = SituationDay.objects.get_or_create(org_unit=root, date=date)
        day = SituationDay.objects.select_for_update().get(pk=day.pk)
        if day.is_confirmed:
            return day
        if not Figure.objects.filter(date=date, org_unit__parent=root).exists():
            raise ValidationError(_("No figures for %(date)s yet: enter them first.") % {"date": f"{date:%d/%m/%Y}"})
        day.state, day.confirmed_at, day.confirmed_by = SituationDay.State.CONFIRMED, timezone.now(), person
        day.save(update_fields=["state", "confirmed_at", "confirmed_by"])
        missing = [u.name for u in fig.missing(root, date)]
        audit.record(
            person,
            "situation.confirm",
            day,
            note=(_("No figures from: %(units)s") % {"units": ", ".join(missing)}) if missing else "",
        )
    return day


# --- The bulletin --------------------------------------------------------------------------------
def _set_state(bulletin: Bulletin, to: str, person, note: str = ""):
    if to not in TRANSITIONS[bulletin.state]:
        raise BulletinError(
            _("A bulletin that is “%(state)s” cannot become “%(to)s”.")
            % {"state": bulletin.get_state_display(), "to": S(to).label}
        )
    BulletinEvent.objects.create(bulletin=bulletin, actor=person, from_state=bulletin.state, to_state=to, note=note)
    bulletin.state = to


def _locked(bulletin: Bulletin) -> Bulletin:
    return Bulletin.objects.select_for_update().select_related("org_unit").get(pk=bulletin.pk)


def refresh(bulletin: Bulletin) -> Bulletin:
    """Compose the facts again from the day's figures (a draft only), and the text too while no
    person has edited it: the database says so (`edited=False` in the UPDATE), not the copy in
    hand, so a page opened before an edit never overwrites it. Called when a draft is opened,
    previewed and submitted."""
    if bulletin.state != S.DRAFT:
        return bulletin
    facts = compose.facts(bulletin.org_unit, bulletin.date)
    bulletin.facts, bulletin.composed_at = facts, timezone.now()
    drafts = Bulletin.objects.filter(pk=bulletin.pk, state=S.DRAFT)
    drafts.update(facts=facts, composed_at=bulletin.composed_at)
    summary = compose.summary_text(facts)
    if drafts.filter(edited=False).update(summary=summary):
        bulletin.summary = summary
    return bulletin


def recompose(person, bulletin: Bulletin) -> Bulletin:
    """The focal point drops her changes to the text: it is written again from the figures."""
    _require(person, "situation.draft")
    _require_province(person, bulletin.org_unit)
    with transaction.atomic():
        bulletin = _locked(bulletin)
        if bulletin.state != S.DRAFT:
            raise BulletinError(_("Only a draft can be composed again."))
        before = audit.snapshot(bulletin, ["summary"])
        Bulletin.objects.filter(pk=bulletin.pk).update(edited=False)
        bulletin.edited = False
        refresh(bulletin)
        audit.record(person, "bulletin.recompose", bulletin, before=before, after=audit.snapshot(bulletin, ["summary"]))
    return bulletin


def ensure_draft(person, root: OrgUnit, date: datetime.date) -> tuple[Bulletin, bool]:
    """The day's bulletin, made as a draft if there is none. Two schedulers or two clicks make
    one: the unique (province, date) row decides."""
    if person is not None:
        _require(person, "situation.draft")
        _require_province(person, root)
    existing = Bulletin.objects.filter(org_unit=root, date=date).first()
    if existing is not None:
        return existing, False
    f = compose.facts(root, date)
    try:
        with transaction.atomic():
            bulletin = Bulletin.objects.create(
                org_unit=root,
                date=date,
                facts=f,
                composed_at=timezone.now(),
                summary=compose.summary_text(f),
                messages=compose.default_messages(root, date),
            )
            BulletinEvent.objects.create(bulletin=bulletin, actor=person, to_state=S.DRAFT)
            audit.record(person, "bulletin.draft", bulletin)
    except IntegrityError:
        return Bulletin.objects.get(org_unit=root, date=date), False
    return bulletin, True


def edit(person, bulletin: Bulletin, summary: str, messages: str) -> Bulletin:
    _require(person, "situation.draft")
    _require_province(person, bulletin.org_unit)
    summary, error = _text(summary, _("Situation in brief"))
    messages, error2 = _text(messages, _("Key messages of the day"))
    if error or error2:
        raise BulletinError(error or error2)
    with transaction.atomic():
        bulletin = _locked(bulletin)
        if bulletin.state != S.DRAFT:
            raise BulletinError(
                _("Only a draft can be edited; this bulletin is “%(state)s”.") % {"state": bulletin.get_state_display()}
            )
        before = audit.snapshot(bulletin, ["summary", "messages"])
        bulletin.summary, bulletin.messages, bulletin.edited = summary, messages, True
        bulletin.save(update_fields=["summary", "messages", "edited"])
        audit.record(
            person, "bulletin.edit", bulletin, before=before, after=audit.snapshot(bulletin, ["summary", "messages"])
        )
    return bulletin


def _text(raw, label) -> tuple[str, str | None]:
    text, error = check_text(raw, label)
    if error:
        return "", error
    if not text.strip():
        return "", _("“%(field)s”: cannot be empty.") % {"field": label}
    if len(text) > SUMMARY_MAX:
        return "", _("“%(field)s”: at most %(limit)d characters (now %(length)d).") % {
            "field": label,
            "limit": SUMMARY_MAX,
            "length": len(text),
        }
    return text, None


def submit(person, bulletin: Bulletin, *, notify: bool = True) -> Bulletin:
    """The focal point sends the draft to the leaders (emailed unless `notify` is off: the demo's
    past days). Its facts are composed one last time and kept: the leader approves what was
    submitted."""
    _require(person, "situation.draft")
    _require_province(person, bulletin.org_unit)
    with transaction.atomic():
        bulletin = _locked(bulletin)
        if bulletin.state == S.DRAFT:
            refresh(bulletin)
            if not bulletin.facts.get("reported"):
                raise BulletinError(
                    _("No district has given figures for %(date)s yet: the bulletin cannot go out without them.")
                    % {"date": f"{bulletin.date:%d/%m/%Y}"}
                )
        _set_state(bulletin, S.SUBMITTED, person)
        bulletin.submitted_at, bulletin.submitted_by = timezone.now(), person
        bulletin.save(update_fields=["state", "submitted_at", "submitted_by"])
        audit.record(person, "bulletin.submit", bulletin)
        leaders = _people_with("situation.approve", bulletin.org_unit) if notify else []
        _notify(
            leaders,
            _("Daily bulletin of %(date)s awaits approval") % {"date": f"{bulletin.date:%d/%m/%Y}"},
            _("%(person)s submitted the daily bulletin of %(date)s. Open it to approve or return it:\n%(url)s")
            % {"person": person or _("The system"), "date": f"{bulletin.date:%d/%m/%Y}", "url": _url(bulletin)},
        )
    return bulletin


def return_to_draft(person, bulletin: Bulletin, reason: str) -> Bulletin:
    _require(person, "situation.approve")
    _require_province(person, bulletin.org_unit)
    reason, error = check_text(reason, _("Reason"))
    if error or not reason:
        raise BulletinError(error or _("Say why the bulletin goes back to the focal point."))
    with transaction.atomic():
        bulletin = _locked(bulletin)
        _set_state(bulletin, S.DRAFT, person, reason)
        bulletin.save(update_fields=["state"])
        audit.record(person, "bulletin.return", bulletin, note=reason)
        if bulletin.submitted_by_id:
            _notify(
                [bulletin.submitted_by],
                _("Daily bulletin of %(date)s returned") % {"date": f"{bulletin.date:%d/%m/%Y}"},
                _("%(person)s returned the daily bulletin: %(reason)s\n%(url)s")
                % {"person": person, "reason": reason, "url": _url(bulletin)},
            )
    return bulletin


def approve(person, bulletin: Bulletin, *, at=None) -> Bulletin:
    """A leader approves: the bulletin gets the next number of the year it is issued in, is dated
    that day (Decree 30: the date of signing), rendered to PDF and DOCX (kept with their SHA-256),
    and emailed to every recipient of the press list. `at` is for the demo's past days."""
    _require(person, "situation.approve")
    _require_province(person, bulletin.org_unit)
    from . import documents

    with transaction.atomic():
        bulletin = _locked(bulletin)
        if bulletin.state != S.SUBMITTED:
            raise BulletinError(
                _("Only a submitted bulletin can be approved; this one is “%(state)s”.")
                % {"state": bulletin.get_state_display()}
            )
        # Numbers follow each other per province and year: the province's row is locked while the
        # next one is taken, so two leaders approving at once get two numbers in turn.
        OrgUnit.objects.select_for_update().filter(pk=bulletin.org_unit_id).first()
        issued_at = at or timezone.now()
        year = timezone.localdate(issued_at).year
        last = Bulletin.objects.filter(org_unit=bulletin.org_unit, year=year).aggregate(m=Max("number"))["m"]
        bulletin.year, bulletin.number = year, (last or 0) + 1
        bulletin.number_text = documents.number_text(bulletin)
        bulletin.approved_by, bulletin.issued_at = person, issued_at
        _set_state(bulletin, S.ISSUED, person)
        pdf, docx = documents.render_pdf(bulletin), documents.render_docx(bulletin)
        name = f"ban-tin-{bulletin.slug}-so-{bulletin.number}"
        bulletin.pdf.save(f"{name}.pdf", ContentFile(pdf), save=False)
        bulletin.docx.save(f"{name}.docx", ContentFile(docx), save=False)
        bulletin.pdf_sha256, bulletin.docx_sha256 = hashlib.sha256(pdf).hexdigest(), hashlib.sha256(docx).hexdigest()
        bulletin.save()
        audit.record(
            person,
            "bulletin.issue",
            bulletin,
            after={
                "number": bulletin.number_text,
                "pdf_sha256": bulletin.pdf_sha256,
                "docx_sha256": bulletin.docx_sha256,
            },
        )
        deliveries = _queue_deliveries(bulletin)
        audit.record(
            person, "bulletin.distribute", bulletin, note=_("%(count)d recipients") % {"count": len(deliveries)}
        )
    _forget_public_pages()
    return bulletin


def recipients() -> list[Contact]:
    """The press list: active directory entries that receive the bulletin, one per address."""
    seen, out = set(), []
    for contact in (
        Contact.objects.filter(is_active=True, receives_bulletin=True).exclude(email="").order_by("sort_order", "title")
    ):
        key = contact.email.strip().lower()
        if key not in seen:
            seen.add(key)
            out.append(contact)
    return out


def _queue_deliveries(bulletin: Bulletin) -> list[Delivery]:
    from . import tasks

    rows = [
        Delivery(
            bulletin=bulletin,
            contact=c,
            name=(c.organisation.name if c.organisation_id and not c.person_name else c.person_name or c.title)[:255],
            email=c.email.strip(),
        )
        for c in recipients()
    ]
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    queued = list(bulletin.deliveries.filter(state=Delivery.State.QUEUED))
    for delivery in queued:
        enqueue_on_commit(tasks.deliver, delivery.pk)
    return queued


def resend(person, delivery: Delivery) -> Delivery:
    """Send one recipient's email again (after a failure, or on request)."""
    from . import tasks

    _require(person, "situation.distribute")
    _require_province(person, delivery.bulletin.org_unit)
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().select_related("bulletin").get(pk=delivery.pk)
        if delivery.state == Delivery.State.SENDING and delivery.lease_until and delivery.lease_until > timezone.now():
            raise BulletinError(_("This email is being sent right now."))
        delivery.state, delivery.lease_until = Delivery.State.QUEUED, None
        delivery.save(update_fields=["state", "lease_until"])
        audit.record(person, "bulletin.resend", delivery.bulletin, note=delivery.email)
        enqueue_on_commit(tasks.deliver, delivery.pk)
    return delivery


def resend_failed(person, bulletin: Bulletin) -> int:
    _require(person, "situation.distribute")
    _require_province(person, bulletin.org_unit)
    count = 0
    for delivery in bulletin.deliveries.filter(state=Delivery.State.FAILED):
        resend(person, delivery)
        count += 1
    return count


# --- Schedule ------------------------------------------------------------------------------------
def draft_time() -> time:
    hours, minutes = (int(x) for x in settings.SITUATION_DRAFT_TIME.split(":"))
    return time(hours, minutes)


def scheduled_draft(now=None) -> int:
    """The scheduler's job: from the configured time (16:00 by default), the day's draft exists and
    the focal points were told once. Safe on several schedulers: the draft is one row, the reminder
    is claimed by a conditional UPDATE of `reminded_at`."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.time() < draft_time():
        return 0
    root = fig.root_unit()
    if root is None:
        return 0
    bulletin, _created = ensure_draft(None, root, local.date())
    claimed = Bulletin.objects.filter(pk=bulletin.pk, reminded_at__isnull=True, state=S.DRAFT).update(reminded_at=now)
    if not claimed:
        return 0
    missing = fig.missing(root, local.date())
    body = _(
        "The draft of today's daily bulletin (%(date)s) is ready: check the text and submit it for approval.\n%(url)s"
    ) % {"date": f"{local.date():%d/%m/%Y}", "url": _url(bulletin)}
    if missing:
        body += "\n\n" + _("No figures yet from: %(units)s.") % {"units": ", ".join(u.name for u in missing)}
    _notify(_people_with("situation.draft", root, exclude_admins=True), _("Daily bulletin draft ready"), body)
    audit.record(None, "bulletin.remind", bulletin)
    return 1


# --- Helpers -------------------------------------------------------------------------------------
def _people_with(permission, root, *, exclude_admins=False):
    from core.access import PERMISSIONS
    from core.models import Person
    from core.roles import Role

    roles = set(PERMISSIONS[permission]) - ({Role.ADMIN} if exclude_admins else set())
    return list(
        Person.objects.filter(
            is_active=True, role__in=roles, organisation__org_unit__path__startswith=root.path
        ).exclude(email="")
    )


def _notify(people, subject, body):
    from core.tasks import send_email

    emails = sorted({p.email for p in people if p and p.email})
    if emails:
        enqueue_on_commit(send_email, emails, str(subject), str(body))


def _url(bulletin) -> str:
    from django.urls import reverse

    return settings.SITE_URL.rstrip("/") + reverse("situation:bulletin", args=[bulletin.pk])


def _forget_public_pages():
    """The public archive and feed change when a bulletin is issued (once it is committed, so a
    request in between cannot cache the old state again)."""
    from django.core.cache import cache

    keys = ["situation:public:latest"]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


# --- Indicators ----------------------------------------------------------------------------------
def save_indicator(person, indicator):
    """Create or change an indicator (the form has validated it). Its code cannot change once
    figures use it: the API and the imports name indicators by code."""
    from .models import Indicator

    _require(person, "situation.configure")
    before = None
    if indicator.pk:
        stored = Indicator.objects.get(pk=indicator.pk)
        if stored.code != indicator.code and stored.figures.exists():
            raise ValidationError({"code": _("Figures use this code; it cannot change.")})
        if stored.kind != indicator.kind and stored.figures.exists():
            raise ValidationError({"kind": _("Figures use this indicator; its kind cannot change.")})
    if indicator.new_cases and indicator.kind != Indicator.Kind.DAILY:
        raise ValidationError({"new_cases": _("Only a count for the day can count new cases.")})
        before = audit.snapshot(stored)
    with transaction.atomic():
        indicator.save()
        audit.record(
            person,
            "indicator.update" if before else "indicator.create",
            indicator,
            before=before,
            after=audit.snapshot(indicator),
        )
    return indicator
