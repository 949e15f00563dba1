"""Reminders for the weekly report: units that have not submitted get an email 24 h and 2 h
before the deadline; after the deadline the focal points get the list of late units.

Idempotent: each reminder is claimed by inserting a Reminder row under a unique constraint
before the email is queued (on commit). A second scheduler, or the same one after a restart,
finds the row and sends nothing."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.models import Person
from core.roles import Role
from core.tasks import enqueue_on_commit, send_email

from .models import Reminder, ReportCycle, Submission

S = Submission.State
NOT_REPORTED = [S.PENDING, S.DRAFT, S.RETURNED]
WINDOWS = [
    (Reminder.Kind.DUE_24H, datetime.timedelta(hours=24), datetime.timedelta(hours=2)),
    (Reminder.Kind.DUE_2H, datetime.timedelta(hours=2), datetime.timedelta(0)),
]
LATE_LIST_FOR = datetime.timedelta(days=3)


def _claim(cycle, kind, organisation, recipients) -> bool:
    try:
        with transaction.atomic():
            Reminder.objects.create(cycle=cycle, kind=kind, organisation=organisation, recipients=recipients)
    except IntegrityError:
        return False
    return True


def _link(cycle) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("reporting:cycle_detail", args=[cycle.pk])


@transaction.atomic
def send_reminders(now) -> int:
    sent = 0
    cycles = ReportCycle.objects.filter(
        due_at__gt=now - LATE_LIST_FOR, due_at__lte=now + datetime.timedelta(hours=24)
    ).select_related("form")
    for cycle in cycles:
        for kind, before, until in WINDOWS:
            if not (cycle.due_at - before <= now < cycle.due_at - until):
                continue
            waiting = {}
            for sub in cycle.submissions.filter(state__in=NOT_REPORTED).select_related("organisation"):
                waiting.setdefault(sub.organisation, []).append(sub)
            for org in waiting:
                emails = list(
                    Person.objects.filter(organisation=org, is_active=True)
                    .exclude(email="")
                    .values_list("email", flat=True)
                )
                if not emails or not _claim(cycle, kind, org, emails):
                    continue
                subject = _("Reminder: the quick report is due %(due)s") % {"due": _local(cycle.due_at)}
                body = _(
                    "%(org)s has not yet submitted its section of the report “%(cycle)s”.\n"
                    "Deadline: %(due)s.\nOpen: %(link)s\n\nTin Cậy"
                ) % {"org": org.name, "cycle": cycle, "due": _local(cycle.due_at), "link": _link(cycle)}
                enqueue_on_commit(send_email, emails, subject, body)
                audit.record(None, "report.reminder", cycle, note=f"{kind}: {org.name}")
                sent += 1
        if cycle.due_at <= now:
            late = cycle.submissions.filter(state__in=NOT_REPORTED).select_related("org_unit", "section")
            names = sorted({f"{s.org_unit.name} ({s.section.title})" for s in late})
            if not names:
                continue
            emails = list(
                Person.objects.filter(role=Role.FOCAL_POINT, is_active=True)
                .exclude(email="")
                .values_list("email", flat=True)
            )
            if not emails or not _claim(cycle, Reminder.Kind.LATE_LIST, None, emails):
                continue
            subject = _("Late quick reports: %(cycle)s") % {"cycle": cycle}
            body = _("Past the deadline (%(due)s), not yet submitted:\n%(list)s\n\nOpen: %(link)s\n\nTin Cậy") % {
                "due": _local(cycle.due_at),
                "list": "\n".join(f"- {n}" for n in names),
                "link": _link(cycle),
            }
            enqueue_on_commit(send_email, emails, subject, body)
            audit.record(None, "report.reminder", cycle, note=f"late_list: {len(names)}")
            sent += 1
    return sent


def _local(when) -> str:
    return timezone.localtime(when).strftime("%H:%M %d/%m/%Y")


def announce_adhoc(cycle: ReportCycle) -> int:
    """Email every person of every organisation asked by an ad-hoc request (on commit)."""
    emails = sorted(
        set(
            Person.objects.filter(organisation__in=cycle.submissions.values("organisation"), is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    if not emails:
        return 0
    subject = _("Ad-hoc report requested: %(title)s") % {"title": cycle.title}
    body = _(
        "The Department asks for the quick report “%(title)s”, covering %(start)s – %(end)s.\n%(note)s\n"
        "Deadline: %(due)s.\nOpen: %(link)s\n\nTin Cậy"
    ) % {
        "title": cycle.title,
        "start": cycle.period_start.strftime("%d/%m/%Y"),
        "end": cycle.period_end.strftime("%d/%m/%Y"),
        "note": cycle.note,
        "due": _local(cycle.due_at),
        "link": _link(cycle),
    }
    # One email per person: the recipients of an official request do not see each other.
    for email in emails:
        enqueue_on_commit(send_email, [email], subject, body)
    return len(emails)
