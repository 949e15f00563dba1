"""What a district's records of a reporting period say for its weekly report (Plan 52, IV.5, IV.6).

A report field whose `prefill` names a source (reporting.FormField.Prefill) gets a suggestion
from the district's broadcast logs or published items of the cycle's period (local days,
Asia/Ho_Chi_Minh): plays and minutes on the loudspeakers of the district and its communes, the
communes whose stations played, what was played, the items on its component portal. The report
page proposes the suggestion in an empty field of a section not yet submitted; the district checks
it and confirms it by submitting, as it would a value it typed. Reviewers see it beside what was
reported. No suggestion when the district has no record in the period: no record is not "zero".

Counting, so that the figures mean what the districts have been reporting and stay within the
report's checks: an *item* ("tin, bài") is one scheduled play of a broadcast, however many stations
relayed it (the district's and its communes' stations playing the 06:00 slot of the 5K message are
one item), or one unscheduled play on one station; the *minutes* are the time the district's
loudspeakers were on the air (the union of the plays' intervals, so simultaneous relays count once
and the total never exceeds the period); the *communes* are those whose own station logged a play.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import ngettext

from core.models import OrgUnit

from .models import Broadcast, BroadcastLog, Publication

LOUDSPEAKER = ("loudspeaker_items", "loudspeaker_minutes", "loudspeaker_communes", "loudspeaker_content")


@dataclass(frozen=True)
class Suggestion:
    value: object  # int, list of commune codes, or text
    detail: str  # where it comes from, in the reader's language


def _period(cycle) -> str:
    return f"{cycle.period_start:%d/%m}–{cycle.period_end:%d/%m/%Y}"


def for_submission(submission, fields=None) -> dict[str, Suggestion]:
    """{field code: Suggestion} for the submission's fields that have a source and a record."""
    fields = fields if fields is not None else list(submission.section.fields.all())
    wanted = {f.code: f.prefill for f in fields if f.prefill}
    if not wanted:
        return {}
    cycle, district = submission.cycle, submission.org_unit
    period = _period(cycle)
    out: dict[str, Suggestion] = {}
    if any(source in LOUDSPEAKER for source in wanted.values()):
        logs = BroadcastLog.objects.filter(
            zone__path__startswith=district.path,
            played_at__date__gte=cycle.period_start,
            played_at__date__lte=cycle.period_end,
        )
        rows = list(logs.values_list("broadcast_id", "title", "played_at", "seconds", "zone_id"))
        if rows:
            items = _items(rows)
            minutes = (_on_air(rows) + 30) // 60
            stations = len({zone for *_rest, zone in rows})
            detail = ngettext(
                "%(n)d play logged on %(stations)d stations (%(items)d items, %(minutes)d minutes on the air), "
                "%(period)s",
                "%(n)d plays logged on %(stations)d stations (%(items)d items, %(minutes)d minutes on the air), "
                "%(period)s",
                len(rows),
            ) % {"n": len(rows), "stations": stations, "items": len(items), "minutes": minutes, "period": period}
            communes = set(
                OrgUnit.objects.filter(
                    parent=district, is_active=True, pk__in=logs.values("zone")
                ).values_list("code", flat=True)
            )
            by_title: dict[str, int] = {}
            for title in items.values():
                by_title[title] = by_title.get(title, 0) + 1
            titles = sorted(by_title.items(), key=lambda t: (-t[1], t[0]))[:10]
            values = {
                "loudspeaker_items": len(items),
                "loudspeaker_minutes": minutes,
                "loudspeaker_communes": sorted(communes),
                "loudspeaker_content": "; ".join(
                    ngettext("%(title)s (%(n)d play)", "%(title)s (%(n)d plays)", n) % {"title": title, "n": n}
                    for title, n in titles
                ),
            }
            for code, source in wanted.items():
                if source in values and (source != "loudspeaker_communes" or communes):
                    out[code] = Suggestion(values[source], detail)
    if "portal_items" in wanted.values():
        n = Publication.objects.filter(
            org_unit__path__startswith=district.path,
            channel=Publication.Channel.PORTAL,
            published_on__gte=cycle.period_start,
            published_on__lte=cycle.period_end,
        ).count()
        if n:
            detail = ngettext(
                "%(n)d item recorded on the component portal, %(period)s",
                "%(n)d items recorded on the component portal, %(period)s",
                n,
            ) % {"n": n, "period": period}
            for code, source in wanted.items():
                if source == "portal_items":
                    out[code] = Suggestion(n, detail)
    return out


def _items(rows) -> dict[tuple, str]:
    """{item key: title}: a scheduled play once per broadcast and slot (the stations relaying it
    start within minutes of each other), an unscheduled play once per station and moment."""
    slots = {b.pk: b.times for b in Broadcast.objects.filter(pk__in={r[0] for r in rows if r[0]})}
    out = {}
    for broadcast_id, title, played_at, _seconds, zone_id in rows:
        local = timezone.localtime(played_at)
        if broadcast_id:
            minute = local.hour * 60 + local.minute
            times = [int(t[:2]) * 60 + int(t[3:]) for t in slots.get(broadcast_id, [])] or [minute]
            slot = min(times, key=lambda t: abs(t - minute))
            out[(broadcast_id, local.date(), slot)] = title
        else:
            out[(None, zone_id, played_at)] = title
    return out


def _on_air(rows) -> int:
    """Seconds during which at least one station played: the union of the plays' intervals."""
    total, end = 0, None
    for start, seconds in sorted((r[2], r[3]) for r in rows):
        stop = start + datetime.timedelta(seconds=seconds)
        if end is None or start >= end:
            total += seconds
            end = stop
        elif stop > end:
            total += int((stop - end).total_seconds())
            end = stop
    return total
