"""SMS campaigns: an approved key message to a contact group through a gateway.

`start` resolves the group into numbers (once each), applies Decree 91/2020's limit (at most
MAX_PER_DAY messages to a number in 24 hours, unless a leader declares an emergency with a
reason), and writes one row per part before anything is sent. `send` is the worker: it holds the
campaign by a lease (one sender at a time; a dead sender's lease runs out and another takes
over), keeps quiet hours (07:00–22:00, Asia/Ho_Chi_Minh) unless it is an emergency, sends the
queued parts through the gateway in batches and marks each with its result: accepted (with the
SMSC's message id), failed for good, or queued again after a backoff for a temporary error. When
the connection drops, the parts without an answer stay queued and are sent again after
reconnecting — never a part that was accepted — so nothing is lost and nothing is sent twice
(see outreach.smsc for what that rests on). Delivery receipts mark parts delivered or failed.
"""

import datetime
import logging
import re
import urllib.parse

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.access import can
from core.models import Person
from core.tasks import enqueue_on_commit
from core.validation import check_text
from vntext import sms

from .gateways import BindRefused, GatewayDown, Receipt, SubmitResult, split_message
from .models import Campaign, ContactGroup, KeyMessage, Part, Recipient, Subscriber

log = logging.getLogger(__name__)
MAX_PER_DAY = sms.MAX_PER_DAY
LEASE = datetime.timedelta(minutes=2)
BATCH = 500
MAX_ATTEMPTS = 5
RECEIPT_DAYS = 3  # how long after acceptance a receipt is still waited for
C = Campaign.State


def msisdn(phone: str) -> str | None:
    """A Vietnamese mobile number as international digits ("0912 345 678" → "84912345678"), or
    None when it is not one (a landline with an area code is not a mobile number)."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("84") and len(digits) == 11:
        local = digits[2:]
    elif digits.startswith("0") and len(digits) == 10:
        local = digits[1:]
    else:
        return None
    return "84" + local if local[0] in "35789" else None


def members(group: ContactGroup) -> list[tuple[str, str]]:
    """(msisdn, name) of the group's subscribers and staff, each number once, in tree order."""
    path = group.org_unit.path
    out: dict[str, str] = {}
    for s in Subscriber.objects.filter(
        is_active=True, kind__in=group.subscriber_kinds, org_unit__path__startswith=path
    ).order_by("org_unit__path", "name"):
        out.setdefault(s.msisdn, s.name)
    for p in Person.objects.filter(
        is_active=True, role__in=group.staff_roles, organisation__org_unit__path__startswith=path
    ).exclude(phone=""):
        number = msisdn(p.phone)
        if number:
            out.setdefault(number, p.full_name)
    return list(out.items())


def start(
    person, key_message: KeyMessage, group: ContactGroup, *, sender: str = "", gateway: str = "default",
    emergency_reason: str = "", now=None,
) -> Campaign:  # fmt: skip
    """Create the campaign with its recipients and parts, and queue the sender. An emergency
    (a reason given) is for a leader only and skips the daily limit and quiet hours."""
    now = now or timezone.now()
    reason, error = check_text(emergency_reason, _("Reason for the emergency"))
    if error:
        raise ValidationError({"emergency_reason": error})
    # The focal point and the telecom officer send; a leader declares an emergency (and sends it).
    if reason and not can(person, "outreach.approve"):
        raise PermissionDenied(_("Only a leader declares an emergency."))
    if not reason and not can(person, "outreach.send"):
        raise PermissionDenied
    if not key_message.is_usable or not key_message.sms_text:
        raise ValidationError(_("Only an approved key message with an SMS text, valid today, can be sent."))
    sender = sender or settings.OUTREACH_SMS_SENDER
    problems = [p for p in sms.check_message(key_message.sms_text, sender) if p.code not in sms.WARNINGS]
    if problems:
        raise ValidationError(_("The message or the sender is refused: %(codes)s.") % {
            "codes": ", ".join(p.code for p in problems)})  # fmt: skip
    if gateway not in settings.OUTREACH_GATEWAYS:
        raise ValidationError(_("No gateway is called “%(name)s”.") % {"name": gateway})
    numbers = members(group)
    if not numbers:
        raise ValidationError(_("The group “%(group)s” has no mobile number.") % {"group": group})
    with transaction.atomic():
        campaign = Campaign.objects.create(
            key_message=key_message, group=group, org_unit=group.org_unit, text=key_message.sms_text,
            sender=sender, gateway=gateway, emergency=bool(reason), emergency_reason=reason, created_by=person,
            created_at=now,
        )  # fmt: skip
        busy = _sent_in_the_last_day(now, [n for n, _name in numbers]) if not reason else {}
        Recipient.objects.bulk_create(
            [
                Recipient(
                    campaign=campaign, msisdn=number, name=name[:150], created_at=now,
                    state=Recipient.State.SKIPPED if busy.get(number, 0) >= MAX_PER_DAY else Recipient.State.QUEUED,
                    note=_("already %(n)d messages in 24 hours") % {"n": busy[number]}
                    if busy.get(number, 0) >= MAX_PER_DAY else "",
                )
                for number, name in numbers
            ]
        )  # fmt: skip
        recipients = list(campaign.recipients.filter(state=Recipient.State.QUEUED))
        parts = []
        for r in recipients:
            for p in split_message(f"c{campaign.pk}r{r.pk}", r.msisdn, sender, campaign.text):
                parts.append(Part(recipient=r, seq=p.concat[2] if p.concat else 1,
                                  total=p.concat[1] if p.concat else 1, ref=p.ref, next_try_at=now))  # fmt: skip
        Part.objects.bulk_create(parts, batch_size=2000)
        audit.record(
            person, "campaign.start", campaign,
            after={"recipients": len(recipients), "parts": len(parts), "skipped": len(numbers) - len(recipients),
                   "gateway": gateway, "emergency": bool(reason)},
            note=reason,
        )  # fmt: skip
        from . import tasks

        enqueue_on_commit(tasks.send_campaign, campaign.pk)
    return campaign


def _sent_in_the_last_day(now, numbers) -> dict[str, int]:
    """How many non-emergency campaigns reached each number in the 24 hours before `now`."""
    rows = (
        Recipient.objects.filter(
            msisdn__in=numbers, created_at__gt=now - datetime.timedelta(hours=24), campaign__emergency=False
        )
        .exclude(state=Recipient.State.SKIPPED)
        .exclude(campaign__state=C.CANCELLED)
        .values("msisdn")
        .annotate(n=Count("pk"))
    )
    return {r["msisdn"]: r["n"] for r in rows}


# --- Sending -------------------------------------------------------------------------------------
def gateway_for(name: str):
    """The gateway configured under `name` in OUTREACH_GATEWAYS: an SMSC over SMPP
    (smpp://system_id:password@host:port) or an HTTP SMS API (https://:token@host/path, or the
    token under "token" beside the URL; see outreach.gateways.http)."""
    from .gateways.http import HttpGateway
    from .gateways.smpp import SmppGateway

    config = settings.OUTREACH_GATEWAYS[name]
    url = urllib.parse.urlsplit(config["url"])
    if url.scheme == "smpp":
        return SmppGateway(
            url.hostname, url.port or 2775, urllib.parse.unquote(url.username or ""),
            urllib.parse.unquote(url.password or ""), window=config.get("window", 10),
            parts_per_second=config.get("parts_per_second", 100),
        )  # fmt: skip
    if url.scheme in ("http", "https"):
        token = config.get("token") or urllib.parse.unquote(url.password or "")
        netloc = url.netloc.rpartition("@")[2]  # the credentials stay out of the base URL (and of logs)
        return HttpGateway(
            urllib.parse.urlunsplit((url.scheme, netloc, url.path, url.query, url.fragment)), token,
            batch=config.get("batch", 100), parts_per_second=config.get("parts_per_second", 100),
            timeout=config.get("timeout", 10.0), idempotency_keys=config.get("idempotency_keys", True),
        )  # fmt: skip
    raise ValueError(f"gateway {name}: the URL must be smpp://, http:// or https://, not {url.scheme!r}")


def in_quiet_hours(now) -> bool:
    return not sms.within_sending_hours(timezone.localtime(now).time())


def next_morning(now) -> datetime.datetime:
    local = timezone.localtime(now)
    day = local.date() if local.hour < sms.QUIET_START else local.date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(sms.QUIET_START)))


def send(campaign_id: int, *, gateway=None, now=None, receipt_seconds: float = 2.0, max_rounds: int = 50) -> dict:
    """The worker's run of one campaign; returns what happened. Safe to run twice at once: the
    second finds the campaign held and returns."""
    now = now or timezone.now()
    held = Campaign.objects.filter(pk=campaign_id, state__in=[C.SENDING, C.PAUSED]).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    )
    if not held.update(lease_until=now + LEASE):
        return {"held": False}
    campaign = Campaign.objects.get(pk=campaign_id)
    result = {"held": True, "accepted": 0, "failed": 0, "retry": 0, "reconnects": 0, "receipts": 0}
    try:
        if not campaign.emergency and in_quiet_hours(now):
            until = next_morning(now)
            Campaign.objects.filter(pk=campaign.pk).update(state=C.PAUSED, paused_until=until)
            result["paused_until"] = until
            return result
        Campaign.objects.filter(pk=campaign.pk).update(state=C.SENDING, paused_until=None)
        gateway = gateway or gateway_for(campaign.gateway)
        _run(campaign, gateway, result, receipt_seconds, max_rounds, now)
    finally:
        Campaign.objects.filter(pk=campaign_id).update(lease_until=None)
    return result


def _run(campaign, gateway, result, receipt_seconds, max_rounds, now):
    """Send the due parts in batches, then take the receipts already there; the gateway is closed
    and the recipients settled however the run ends. A part is due when its `next_try_at` has come
    by the real clock or by the `now` the run was given (a run "at" a later time sends what was
    queued for it), whichever is later."""
    down = 0
    try:
        for _round in range(max_rounds):
            if Campaign.objects.filter(pk=campaign.pk, state=C.CANCELLED).exists():
                break
            due_by = max(timezone.now(), now)
            batch = list(
                Part.objects.filter(recipient__campaign=campaign, state=Part.State.QUEUED, next_try_at__lte=due_by)
                .select_related("recipient")
                .order_by("recipient_id", "seq")[:BATCH]
            )
            if not batch:
                break
            try:
                gateway.open()
                _send_batch(campaign, gateway, batch, result)
                down = 0
            except BindRefused as error:
                _pause(campaign, str(error), datetime.timedelta(minutes=10))
                return
            except GatewayDown as error:
                down += 1
                result["reconnects"] += 1
                log.warning("Campaign %s: gateway down (%s); %d parts to resend", campaign.pk, error, len(error.refs))
                if down >= 3:
                    _pause(campaign, str(error), datetime.timedelta(minutes=1))
                    return
            Campaign.objects.filter(pk=campaign.pk).update(lease_until=timezone.now() + LEASE)
        if gateway.is_open:
            gateway.receipts(lambda r: _receipt(r, result, campaign.gateway), receipt_seconds)
    except GatewayDown:
        pass
    finally:
        gateway.close()
        _settle(campaign)


def _send_batch(campaign, gateway, batch, result):
    by_ref = {p.ref: p for p in batch}
    recipients = {p.recipient_id: p.recipient for p in batch}  # one pass, in the batch's order
    outgoing = []
    for recipient in recipients.values():
        prefix = f"c{campaign.pk}r{recipient.pk}"
        outgoing += [
            o for o in split_message(prefix, recipient.msisdn, campaign.sender, campaign.text) if o.ref in by_ref
        ]

    def on_result(r: SubmitResult):
        part = by_ref[r.ref]
        now = timezone.now()
        if r.outcome == "accepted":
            Part.objects.filter(pk=part.pk).update(
                state=Part.State.ACCEPTED, message_id=(r.message_id or "")[:65], attempts=part.attempts + 1,
                updated_at=now,
            )
            result["accepted"] += 1
        elif r.outcome == "temporary" and part.attempts + 1 < MAX_ATTEMPTS:
            later = now + datetime.timedelta(seconds=5 * 2**part.attempts)
            Part.objects.filter(pk=part.pk).update(
                attempts=part.attempts + 1, next_try_at=later, error=r.error[:200], updated_at=now
            )
            result["retry"] += 1
        else:
            Part.objects.filter(pk=part.pk).update(
                state=Part.State.FAILED, attempts=part.attempts + 1, error=r.error[:200], updated_at=now
            )
            result["failed"] += 1

    gateway.send(outgoing, on_result)


def _receipt(receipt: Receipt, result, gateway_name: str):
    """A delivery receipt: the part with that message id at that gateway (ids are unique per
    gateway only) is delivered or failed; an intermediate receipt ("unknown": en route, accepted)
    changes nothing. Idempotent."""
    if receipt.state == "unknown":
        return
    state = Part.State.DELIVERED if receipt.state == "delivered" else Part.State.FAILED
    changed = Part.objects.filter(
        message_id=receipt.message_id[:65], state=Part.State.ACCEPTED, recipient__campaign__gateway=gateway_name
    ).update(state=state, error=receipt.error[:200], updated_at=timezone.now())
    result["receipts"] += changed


def collect_receipts(seconds: float = 2.0, now=None) -> dict:
    """The standing receipt listener, a scheduler job: receipts come minutes or days after a
    part was accepted, long after its campaign's run ended. For each gateway with parts still
    "accepted" in the last RECEIPT_DAYS days, connect, take the receipts waiting there, and settle
    those campaigns. One collector per gateway at a time (a cache lock), and never while a sender
    holds one of its campaigns (that run reads the receipts itself)."""
    from django.core.cache import cache

    now = now or timezone.now()
    since = now - datetime.timedelta(days=RECEIPT_DAYS)
    waiting = Part.objects.filter(state=Part.State.ACCEPTED, updated_at__gte=since)
    out = {}
    for name in sorted(set(waiting.values_list("recipient__campaign__gateway", flat=True))):
        if name not in settings.OUTREACH_GATEWAYS:
            continue
        if Campaign.objects.filter(gateway=name, lease_until__gt=now).exists():
            out[name] = "busy"
            continue
        lock = f"outreach.receipts.{name}"
        if not cache.add(lock, 1, timeout=int(seconds) + 60):
            out[name] = "busy"
            continue
        result = {"receipts": 0}
        touched = set(waiting.filter(recipient__campaign__gateway=name).values_list("recipient__campaign", flat=True))
        gateway = gateway_for(name)
        # A gateway that pages its receipts (HTTP) goes on where the last collection stopped.
        cursor = f"outreach.receipt_cursor.{name}"
        if hasattr(gateway, "receipt_cursor"):
            gateway.receipt_cursor = cache.get(cursor, gateway.receipt_cursor)
        try:
            gateway.open()
            gateway.receipts(lambda r, result=result, name=name: _receipt(r, result, name), seconds)
        except (GatewayDown, BindRefused) as error:
            out[name] = f"unreachable: {error}"
            continue
        finally:
            gateway.close()
            if hasattr(gateway, "receipt_cursor"):
                cache.set(cursor, gateway.receipt_cursor, None)
            cache.delete(lock)
        for campaign in Campaign.objects.filter(pk__in=touched):
            _settle(campaign)
        out[name] = result["receipts"]
    return out


def _pause(campaign, error: str, wait: datetime.timedelta):
    Campaign.objects.filter(pk=campaign.pk).update(
        state=C.PAUSED, paused_until=timezone.now() + wait, last_error=error[:500]
    )


def _settle(campaign):
    """Recipients from their parts; the campaign is done when nothing is left to send."""
    for recipient in campaign.recipients.exclude(state=Recipient.State.SKIPPED).annotate(
        n=Count("parts"),
        delivered=Count("parts", filter=Q(parts__state=Part.State.DELIVERED)),
        failed=Count("parts", filter=Q(parts__state=Part.State.FAILED)),
        queued=Count("parts", filter=Q(parts__state=Part.State.QUEUED)),
    ):
        state = (
            Recipient.State.FAILED if recipient.failed
            else Recipient.State.QUEUED if recipient.queued
            else Recipient.State.DELIVERED if recipient.delivered == recipient.n
            else Recipient.State.SENT
        )  # fmt: skip
        if state != recipient.state:
            Recipient.objects.filter(pk=recipient.pk).update(state=state)
    if not Part.objects.filter(recipient__campaign=campaign, state=Part.State.QUEUED).exists():
        Campaign.objects.filter(pk=campaign.pk, state__in=[C.SENDING, C.PAUSED]).update(
            state=C.DONE, finished_at=timezone.now()
        )


def progress(campaign: Campaign) -> dict:
    """Parts by state and recipients by state, for the progress bar."""
    parts = dict(
        Part.objects.filter(recipient__campaign=campaign).values_list("state").annotate(n=Count("pk")).order_by()
    )
    recipients = dict(campaign.recipients.values_list("state").annotate(n=Count("pk")).order_by())
    total = sum(parts.values())
    done = total - parts.get(Part.State.QUEUED, 0)
    return {
        "parts": parts,
        "recipients": recipients,
        "total": total,
        "done": done,
        "percent": round(100 * done / total) if total else 100,
    }


def cancel(person, campaign: Campaign) -> Campaign:
    """Stop a campaign: the parts not sent yet are never sent."""
    if not (can(person, "outreach.send") or can(person, "outreach.approve")):
        raise PermissionDenied
    with transaction.atomic():
        changed = Campaign.objects.filter(pk=campaign.pk, state__in=[C.SENDING, C.PAUSED]).update(
            state=C.CANCELLED, finished_at=timezone.now()
        )
        if not changed:
            raise ValidationError(_("Only a campaign that is sending or paused can be cancelled."))
        audit.record(person, "campaign.cancel", campaign)
    campaign.refresh_from_db()
    return campaign
