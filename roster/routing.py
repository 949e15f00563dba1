"""Who is on duty now: the assignments whose shift is running, and the hotlines they answer (a
roster names the public hotline its duty routes; the directory and the portal show who answers
it, and the telephone exchange reads the number to forward to from the API)."""

import datetime

from django.utils import timezone

from .models import Assignment


def on_duty(at: datetime.datetime | None = None) -> list[Assignment]:
    """The assignments running at `at` (now), night shifts begun the day before included."""
    at = timezone.localtime(at or timezone.now())
    today = at.date()
    rows = Assignment.objects.filter(day__in=[today, today - datetime.timedelta(days=1)]).select_related(
        "shift", "person", "roster__hotline"
    )
    return sorted((a for a in rows if a.starts_at <= at < a.ends_at), key=lambda a: (a.roster.title, a.shift.start))


def by_hotline(at: datetime.datetime | None = None) -> dict[int, list[Assignment]]:
    """Contact id of a hotline -> the people answering it now (from the rosters that route it)."""
    out: dict[int, list[Assignment]] = {}
    for a in on_duty(at):
        if a.roster.hotline_id:
            out.setdefault(a.roster.hotline_id, []).append(a)
    return out
