"""What a district's records of a reporting period say for its weekly report (Plan 52, IV.5, IV.6).

A report field whose `prefill` names a source (reporting.FormField.Prefill) gets a suggestion
from the district's broadcast logs or published items of the cycle's period (local days,
Asia/Ho_Chi_Minh): plays and minutes on the loudspeakers of the district and its communes, the
communes whose stations played, what was played, the items on its component portal. The report
page proposes the suggestion in an empty field of a section not yet submitted; the district checks
it and confirms it by submitting, as it would a value it typed. Reviewers see it beside what was
reported. No suggestion when the district has no record in the period: no record is not "zero".

Counting: one play on one station is one item ("lượt tin, bài" as the districts report them) and
its duration counts once; a play on the district's station and one on a commune's are two plays.
Minutes are the total seconds / 60, rounded half up.
"""

from dataclasses import dataclass

from django.db.models import Count, Sum
from django.utils.translation import ngettext

from core.models import OrgUnit

from .models import BroadcastLog, Publication

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
        total = logs.aggregate(n=Count("pk"), seconds=Sum("seconds"))
        n, seconds = total["n"], total["seconds"] or 0
        if n:
            stations = logs.values("zone").distinct().count()
            detail = ngettext(
                "%(n)d play logged on %(stations)d stations, %(period)s",
                "%(n)d plays logged on %(stations)d stations, %(period)s",
                n,
            ) % {"n": n, "stations": stations, "period": period}
            communes = set(
                OrgUnit.objects.filter(
                    parent=district, is_active=True, pk__in=logs.values("zone")
                ).values_list("code", flat=True)
            )
            titles = list(logs.values("title").annotate(n=Count("pk")).order_by("-n", "title")[:10])
            values = {
                "loudspeaker_items": n,
                "loudspeaker_minutes": (seconds + 30) // 60,
                "loudspeaker_communes": sorted(communes),
                "loudspeaker_content": "; ".join(
                    ngettext("%(title)s (%(n)d play)", "%(title)s (%(n)d plays)", t["n"])
                    % {"title": t["title"], "n": t["n"]}
                    for t in titles
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
