"""Loudspeakers (Plan 52, IV.5): an approved key message's script scheduled for the stations of
some zones, and the plays the stations log.

A *broadcast* puts a message on the programme of the stations of its zones (a district: the
district's station and every commune station under it; a commune: its station) from one day to
another at the times given, with the priority of Circular 39/2020/TT-BTTTT: normal (played in the
station's programme), priority (played first in the programme), emergency (played at once; a
leader's decision with its reason, like an SMS emergency). The timetable of a station for a day is
`timetable(zone, day)`: what the loudspeaker system pulls through the API.

A *log* is one play on one station, entered by the district broadcasting centre or pushed by the
loudspeaker system (`check_logs` / `record_logs`: one check for the page and the API; every
problem names the line and the field; nothing is written when there is one; a log with the
system's id is stored once however often it is pushed). *Published items* (a district's news items
on its component portal, social page or in the press) are recorded the same way.
The logs and the items of a week pre-fill the district's weekly report (`outreach.prefill`).
"""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from core import audit
from core.access import can, can_see, scope_root, visible_to
from core.models import OrgUnit
from core.validation import check_text

from .models import Broadcast, BroadcastLog, KeyMessage, Publication, Script

P = Broadcast.Priority
MAX_DAYS = 92  # a broadcast covers at most a quarter; a longer campaign is scheduled again
MAX_TIMES = 12  # plays a day
MAX_ROWS = 2000  # logs or items in one request
MAX_SECONDS = 4 * 3600  # one play
EARLIEST = datetime.date(2020, 1, 1)
FUTURE_SLACK = datetime.timedelta(minutes=10)  # a station's clock may run a little ahead
CLOCK_SLACK = datetime.timedelta(minutes=5)  # a play this close to a broadcast's start or end is its
EXTERNAL_ID_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")
TIME_RE = re.compile(r"^(\d{1,2})(?:[:hH.](\d{2})?)?$")
ZONE_LEVELS = (OrgUnit.Level.DISTRICT, OrgUnit.Level.COMMUNE)


# --- Scheduling ---------------------------------------------------------------------------------
def parse_times(raw) -> tuple[list[str], str | None]:
    """Times of day from "6:00, 17:30", "6h 17h30" or a list: (sorted "HH:MM" without repeats,
    None) or ([], message)."""
    items = raw if isinstance(raw, list) else re.split(r"[,;\s]+", str(raw or "").strip())
    out = set()
    for item in items:
        if item in ("", None):
            continue
        m = TIME_RE.match(str(item).strip()) if isinstance(item, str) and len(item) <= 8 else None
        hour, minute = (int(m.group(1)), int(m.group(2) or 0)) if m else (99, 0)
        if hour > 23 or minute > 59:
            return [], _("“%(value)s” is not a time of day (write 06:00 or 17h30).") % {"value": str(item)[:20]}
        out.add(f"{hour:02d}:{minute:02d}")
    if len(out) > MAX_TIMES:
        return [], _("At most %(n)d plays a day.") % {"n": MAX_TIMES}
    return sorted(out), None


def zones_for(person):
    """The districts and communes whose stations this person may schedule for and log."""
    root = scope_root(person)
    units = OrgUnit.objects.filter(level__in=ZONE_LEVELS, is_active=True)
    if person.is_superuser:
        return units
    if root is None:
        return units.none()
    return units.filter(path__startswith=root.path)


def latest_script(message: KeyMessage, text: str | None = None) -> Script | None:
    """The message's audio of `text` (its current script by default); None when that text has not
    been read aloud yet."""
    source = message.loudspeaker_text if text is None else text
    return message.scripts.filter(source=source).order_by("-created_at", "-pk").first()


def audio_of(broadcast: Broadcast) -> Script | None:
    """The audio the stations play: made when it was scheduled, or since, of the approved text."""
    return broadcast.script or latest_script(broadcast.key_message, broadcast.text)


def schedule(
    person, message: KeyMessage, zones, *, priority: str, starts_on, ends_on, times, reason: str = "",
    note: str = "", now=None,
) -> Broadcast:  # fmt: skip
    """Put an approved message's script on the programme of the zones' stations. An emergency is
    a leader's, with a reason, and plays today at once (its time is now)."""
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    errors = {}
    if priority not in P.values:
        errors["priority"] = _("Choose a priority.")
    emergency = priority == P.EMERGENCY
    if emergency and not can(person, "outreach.approve"):
        raise PermissionDenied(_("Only a leader broadcasts an emergency."))
    if not emergency and not can(person, "outreach.broadcast"):
        raise PermissionDenied
    reason, error = check_text(reason, _("Reason for the emergency"))
    if error:
        errors["reason"] = error
    elif emergency and not reason:
        errors["reason"] = _("Give the reason for the emergency.")
    note, error = check_text(note, _("Note for the stations"))
    if error:
        errors["note"] = error
    if not (message.is_usable and message.loudspeaker_text) or not can_see(person, message):
        errors["key_message"] = _("Only an approved key message with a loudspeaker script, valid today, is broadcast.")
    zones = list(zones)
    allowed = set(zones_for(person).values_list("pk", flat=True))
    if not zones:
        errors["zones"] = _("Choose at least one district or commune.")
    elif any(z.pk not in allowed for z in zones):
        errors["zones"] = _("You may only schedule for the districts and communes of your area.")
    if emergency:
        starts_on = ends_on = today
        times = [now.strftime("%H:%M")]
    else:
        times, error = parse_times(times)
        if error:
            errors["times"] = error
        elif not times:
            errors["times"] = _("Give at least one time of day.")
        if not isinstance(starts_on, datetime.date) or starts_on < today:
            errors["starts_on"] = _("The first day is today or later.")
        elif not isinstance(ends_on, datetime.date) or ends_on < starts_on:
            errors["ends_on"] = _("The last day is on or after the first day.")
        elif (ends_on - starts_on).days + 1 > MAX_DAYS:
            errors["ends_on"] = _("A broadcast covers at most %(n)d days.") % {"n": MAX_DAYS}
        elif message.valid_until and ends_on > message.valid_until:
            errors["ends_on"] = _("The message is valid until %(day)s; the broadcast cannot go beyond it.") % {
                "day": message.valid_until.strftime("%d/%m/%Y")
            }
    if errors:
        raise ValidationError(errors)
    # Zones inside another chosen zone are already covered by it.
    paths = sorted(z.path for z in zones)
    zones = [z for z in zones if not any(z.path != p and z.path.startswith(p) for p in paths)]
    area = scope_root(person) or OrgUnit.objects.filter(parent__isnull=True).order_by("pk").first()
    with transaction.atomic():
        broadcast = Broadcast.objects.create(
            key_message=message, text=message.loudspeaker_text, script=latest_script(message), org_unit=area,
            priority=priority,
            starts_on=starts_on, ends_on=ends_on, times=times, reason=reason, note=note, created_by=person,
            created_at=now,
        )  # fmt: skip
        broadcast.zones.set(zones)
        audit.record(
            person, "broadcast.schedule", broadcast,
            after={"zones": [z.code for z in zones], "priority": priority, "from": str(starts_on),
                   "to": str(ends_on), "times": times},
            note=reason,
        )  # fmt: skip
    return broadcast


def cancel(person, broadcast: Broadcast, now=None) -> Broadcast:
    """Take a broadcast off the programme; what was played stays logged."""
    if not may_change(person, broadcast):
        raise PermissionDenied
    with transaction.atomic():
        changed = Broadcast.objects.filter(pk=broadcast.pk, state=Broadcast.State.SCHEDULED).update(
            state=Broadcast.State.CANCELLED, cancelled_at=now or timezone.now()
        )
        if not changed:
            raise ValidationError(_("This broadcast is already cancelled."))
        audit.record(person, "broadcast.cancel", broadcast)
    broadcast.refresh_from_db()
    return broadcast


def may_change(person, broadcast: Broadcast) -> bool:
    """Who may take a broadcast off the programme: a scheduler of its area. A district sees the
    province's broadcasts for its stations but cancels only its own."""
    if not can(person, "outreach.broadcast") or not can_see(person, broadcast):
        return False
    root = scope_root(person)
    if person.is_superuser or (root is not None and root.parent_id is None):
        return True
    return root is not None and broadcast.org_unit.path.startswith(root.path)


def in_area(person, zones):
    """The zones of a broadcast this person's area holds (all of them for the province)."""
    root = scope_root(person)
    if person.is_superuser or (root is not None and root.parent_id is None):
        return list(zones)
    return [z for z in zones if root is not None and z.path.startswith(root.path)]


def broadcasts_for(person):
    """The broadcasts this person sees: for a district, those that reach its area."""
    rows = visible_to(person, Broadcast.objects.all())
    root = scope_root(person)
    if person.is_superuser or root is None or root.parent_id is None:
        return rows
    return rows.filter(Q(zones__path__startswith=root.path) | Q(org_unit=root)).distinct()


def covering(zone: OrgUnit):
    """Filter of broadcasts that reach the station of `zone`: scheduled for it or an ancestor."""
    ancestors = [zone.path[: i + 1] for i, ch in enumerate(zone.path) if ch == "/" and i > 0]
    return Q(zones__path__in=ancestors)


@dataclass
class Play:
    time: str
    broadcast: Broadcast
    script: Script | None


def timetable(zone: OrgUnit, day: datetime.date) -> list[Play]:
    """What the station of `zone` plays on `day`: emergencies first, then by time, a priority item
    before a normal one at the same time. Only what is approved now: a broadcast whose message was
    edited (back to draft, or approved with another script), retired or expired is off the air."""
    rank = {P.EMERGENCY: 0, P.PRIORITY: 1, P.NORMAL: 2}
    rows = (
        Broadcast.objects.filter(covering(zone), state=Broadcast.State.SCHEDULED, starts_on__lte=day, ends_on__gte=day)
        .filter(key_message__state=KeyMessage.State.APPROVED)  # edited (back to draft) or retired: off air
        .select_related("key_message", "script")
        .distinct()
    )
    plays = []
    for b in rows:
        if not b.key_message.is_valid_on(day) or b.key_message.loudspeaker_text != b.text:
            continue  # the message expired, or its script changed: that version is not approved now
        script = audio_of(b)
        plays += [Play(t, b, script) for t in b.times]
    plays.sort(key=lambda p: (p.broadcast.priority != P.EMERGENCY, p.time, rank[p.broadcast.priority], p.broadcast.pk))
    return plays


def slot_times(broadcast: Broadcast, since, until) -> list[datetime.datetime]:
    """The broadcast's plays due between two moments (aware), by its days and times of day."""
    out, day = [], max(broadcast.starts_on, timezone.localtime(since).date())
    while day <= min(broadcast.ends_on, timezone.localtime(until).date()):
        for hhmm in broadcast.times:
            moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time.fromisoformat(hhmm)))
            if since <= moment <= until:
                out.append(moment)
        day += datetime.timedelta(days=1)
    return out


def was_on(broadcast: Broadcast, moment) -> bool:
    """Whether the broadcast was on the programme at `moment`: within its days, not before it was
    scheduled nor after it was cancelled (give or take a station's clock)."""
    day = timezone.localtime(moment).date()
    if not broadcast.starts_on <= day <= broadcast.ends_on or moment < broadcast.created_at - CLOCK_SLACK:
        return False
    return broadcast.cancelled_at is None or moment <= broadcast.cancelled_at + CLOCK_SLACK


def plan_and_plays(broadcast: Broadcast, now=None, zones=None) -> list[dict]:
    """Per zone of the broadcast (or of `zones`, those a district may see): its stations (a
    district's own and its communes'), the plays planned so far (the slots due since it was
    scheduled, up to a cancellation, × stations) and the plays logged for it there, with their
    minutes."""
    now = now or timezone.now()
    if broadcast.state == Broadcast.State.CANCELLED and broadcast.cancelled_at:
        now = min(now, broadcast.cancelled_at)
    slots = len(slot_times(broadcast, broadcast.created_at - CLOCK_SLACK, now))
    logs = list(broadcast.logs.values_list("zone__path", "seconds"))
    out = []
    for zone in zones if zones is not None else broadcast.zones.order_by("path"):
        mine = [s for path, s in logs if path.startswith(zone.path)]
        stations = 1 + (
            OrgUnit.objects.filter(parent=zone, is_active=True, level=OrgUnit.Level.COMMUNE).count()
            if zone.level == OrgUnit.Level.DISTRICT
            else 0
        )
        out.append(
            {
                "zone": zone,
                "stations": stations,
                "planned": slots * stations,
                "logged": len(mine),
                "minutes": round(sum(mine) / 60),
            }
        )
    return out


# --- Logs and published items: one check for the page and the API ------------------------------
@dataclass
class Problem:
    line: int  # from 1
    field: str
    message: str

    def __str__(self):
        return _("Line %(line)d, %(field)s: %(message)s") % {
            "line": self.line,
            "field": self.field,
            "message": self.message,
        }


class Rejected(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems[:5]))
        self.problems = problems


def _when(raw, now) -> tuple[datetime.datetime | None, str | None]:
    if isinstance(raw, datetime.datetime):
        value = raw
    elif isinstance(raw, str) and len(raw) <= 40:
        try:
            value = parse_datetime(raw.strip())
        except ValueError:
            value = None
    else:
        value = None
    if value is None:
        return None, _("expected a date and time, e.g. 2021-07-30T06:00:00+07:00")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value.date() < EARLIEST:
        return None, _("before %(year)d") % {"year": EARLIEST.year}
    if value > now + FUTURE_SLACK:
        return None, _("in the future")
    return value, None


def _day(raw, today) -> tuple[datetime.date | None, str | None]:
    value = raw if isinstance(raw, datetime.date) else None
    if isinstance(raw, str) and len(raw) <= 12:
        try:
            value = parse_date(raw.strip())
        except ValueError:
            value = None
    if value is None:
        return None, _("expected a date YYYY-MM-DD")
    if value < EARLIEST or value > today:
        return None, _("a day between %(start)s and today") % {"start": EARLIEST.strftime("%d/%m/%Y")}
    return value, None


def _whole(raw, low: int, high: int) -> tuple[int | None, str | None]:
    if isinstance(raw, bool):
        value = None
    elif isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) <= 9:
        value = int(raw.strip())
    else:
        value = None
    if value is None or not low <= value <= high:
        return None, _("a whole number from %(low)d to %(high)d") % {"low": low, "high": high}
    return value, None


def _external_id(raw) -> tuple[str, str | None]:
    if raw in (None, ""):
        return "", None
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str) or not EXTERNAL_ID_RE.match(raw):
        return "", _("at most 64 letters, digits and . _ : -")
    return raw, None


def _rows(rows) -> list:
    if not isinstance(rows, list):
        raise Rejected([Problem(0, "logs", _("expected a list"))])
    if len(rows) > MAX_ROWS:
        raise Rejected([Problem(0, "logs", _("at most %(n)d lines in one request") % {"n": MAX_ROWS})])
    if not rows:
        raise Rejected([Problem(0, "logs", _("nothing to record"))])
    return rows


def check_logs(person, rows, now=None) -> list[BroadcastLog]:
    """The logs as unsaved rows, or `Rejected` with every problem. A row is a dict: zone (code),
    played_at, seconds, broadcast (id, optional), title (optional with a broadcast), id (the
    loudspeaker system's id of the play, optional)."""
    now = now or timezone.now()
    rows = _rows(rows)
    zones = {z.code: z for z in zones_for(person)}
    wanted_ids = {
        r["broadcast"] for r in rows
        if isinstance(r, dict) and type(r.get("broadcast")) is int and 0 < r["broadcast"] < 2**31
    }  # fmt: skip
    broadcasts = {b.pk: b for b in broadcasts_for(person).filter(pk__in=wanted_ids).select_related("key_message")}
    zone_paths = {}
    problems, out, seen = [], [], set()
    for line, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            problems.append(Problem(line, "-", _("expected an object")))
            continue
        unknown = set(row) - {"zone", "played_at", "seconds", "broadcast", "title", "id"}
        if unknown:
            problems.append(Problem(line, str(sorted(unknown)[0])[:40], _("not a field of a log")))
            continue
        before = len(problems)
        zone = zones.get(row.get("zone")) if isinstance(row.get("zone"), str) else None
        if zone is None:
            problems.append(Problem(line, "zone", _("no district or commune with this code in your area")))
        played_at, error = _when(row.get("played_at"), now)
        if error:
            problems.append(Problem(line, "played_at", error))
        seconds, error = _whole(row.get("seconds"), 1, MAX_SECONDS)
        if error:
            problems.append(Problem(line, "seconds", error))
        broadcast = None
        raw_broadcast = row.get("broadcast")
        if raw_broadcast is not None and raw_broadcast != "":
            broadcast = broadcasts.get(raw_broadcast) if type(raw_broadcast) is int else None
            if broadcast is None:
                problems.append(Problem(line, "broadcast", _("no broadcast with this number")))
            elif zone is not None:
                if broadcast.pk not in zone_paths:
                    zone_paths[broadcast.pk] = list(broadcast.zones.values_list("path", flat=True))
                if not any(zone.path.startswith(p) for p in zone_paths[broadcast.pk]):
                    problems.append(Problem(line, "broadcast", _("this broadcast is not for this zone")))
                elif played_at is not None and not was_on(broadcast, played_at):
                    problems.append(Problem(line, "broadcast", _("this broadcast was not on the programme then")))
        title, error = check_text(row.get("title"), _("what was played"))
        if error:
            problems.append(Problem(line, "title", error))
        elif len(title or "") > 200:
            problems.append(Problem(line, "title", _("at most 200 characters")))
        elif not title and broadcast is not None:
            title = broadcast.key_message.title[:200]
        elif not title and (raw_broadcast is None or raw_broadcast == ""):
            problems.append(Problem(line, "title", _("say what was played, or give the broadcast")))
        external, error = _external_id(row.get("id"))
        if error:
            problems.append(Problem(line, "id", error))
        if external and zone is not None:
            if (zone.pk, external) in seen:
                problems.append(Problem(line, "id", _("the same id twice in this request")))
            seen.add((zone.pk, external))
        if len(problems) == before:
            log = BroadcastLog(
                zone=zone, broadcast=broadcast, title=title, played_at=played_at, seconds=seconds,
                external_id=external, entered_by=person, created_at=now,
            )  # fmt: skip
            out.append(log)
    if problems:
        raise Rejected(problems)
    return out


def record_logs(person, rows, *, source: str = BroadcastLog.Source.API, now=None) -> dict:
    """Check and store the logs in one transaction: {"stored": n, "already": m}. A log whose id
    the station already sent is not stored again."""
    if not can(person, "outreach.logs"):
        raise PermissionDenied
    logs = check_logs(person, rows, now=now)
    for log in logs:
        log.source = source
    return _store(person, logs, BroadcastLog, "zone_id", "broadcast.logs")


def _store(person, rows, model, unit_field: str, action: str) -> dict:
    keyed = [r for r in rows if r.external_id]
    known = set()
    if keyed:
        known = set(
            model.objects.filter(
                **{f"{unit_field}__in": {getattr(r, unit_field) for r in keyed}},
                external_id__in={r.external_id for r in keyed},
            ).values_list(unit_field, "external_id")
        )
    new = [r for r in rows if not r.external_id or (getattr(r, unit_field), r.external_id) not in known]
    try:
        with transaction.atomic():
            model.objects.bulk_create(new)
            audit.record(
                person, action, None, after={"stored": len(new), "already": len(rows) - len(new)},
                org_unit=scope_root(person),
            )  # fmt: skip
    except IntegrityError:
        # The same ids pushed twice at the same moment: the other request stored them.
        return _store(person, rows, model, unit_field, action) if new else {"stored": 0, "already": len(rows)}
    return {"stored": len(new), "already": len(rows) - len(new)}


def check_publications(person, rows, now=None) -> list[Publication]:
    """Published items as unsaved rows, or `Rejected`. A row: unit (district or commune code),
    channel (portal, social, press), title, url (optional, http/https), published_on, key_message
    (id, optional), id (the portal's id of the item, optional)."""
    from django.core.validators import URLValidator

    today = timezone.localdate(now or timezone.now())
    rows = _rows(rows)
    units = {z.code: z for z in zones_for(person)}
    messages = {m.pk: m for m in visible_to(person, KeyMessage.objects.filter(state=KeyMessage.State.APPROVED))}
    problems, out, seen = [], [], set()
    for line, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            problems.append(Problem(line, "-", _("expected an object")))
            continue
        unknown = set(row) - {"unit", "channel", "title", "url", "published_on", "key_message", "id"}
        if unknown:
            problems.append(Problem(line, str(sorted(unknown)[0])[:40], _("not a field of a published item")))
            continue
        before = len(problems)
        unit = units.get(row.get("unit")) if isinstance(row.get("unit"), str) else None
        if unit is None:
            problems.append(Problem(line, "unit", _("no district or commune with this code in your area")))
        channel = row.get("channel") or Publication.Channel.PORTAL
        if channel not in Publication.Channel.values:
            problems.append(Problem(line, "channel", _("one of: portal, social, press")))
        title, error = check_text(row.get("title"), _("title"))
        if error or not title or len(title) > 300:
            problems.append(Problem(line, "title", error or _("a title of at most 300 characters")))
        url = row.get("url") or ""
        if url:
            try:
                if not isinstance(url, str) or len(url) > 500:
                    raise ValidationError("")
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError:
                problems.append(Problem(line, "url", _("an address starting with http:// or https://")))
        day, error = _day(row.get("published_on"), today)
        if error:
            problems.append(Problem(line, "published_on", error))
        message = None
        if row.get("key_message") not in (None, ""):
            message = messages.get(row.get("key_message")) if type(row.get("key_message")) is int else None
            if message is None:
                problems.append(Problem(line, "key_message", _("no approved key message with this number")))
        external, error = _external_id(row.get("id"))
        if error:
            problems.append(Problem(line, "id", error))
        if external and unit is not None:
            if (unit.pk, external) in seen:
                problems.append(Problem(line, "id", _("the same id twice in this request")))
            seen.add((unit.pk, external))
        if len(problems) == before:
            item = Publication(
                org_unit=unit, channel=channel, title=title, url=url, published_on=day, key_message=message,
                external_id=external, entered_by=person,
            )  # fmt: skip
            out.append(item)
    if problems:
        raise Rejected(problems)
    return out


def record_publications(person, rows, *, source: str = BroadcastLog.Source.API, now=None) -> dict:
    if not can(person, "outreach.publish"):
        raise PermissionDenied
    items = check_publications(person, rows, now=now)
    for item in items:
        item.source = source
    return _store(person, items, Publication, "org_unit_id", "publication.record")
