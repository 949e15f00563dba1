"""The stations' side, simulated: for the demo and for trying the loudspeaker path end to end
without a real loudspeaker system. `play(since, until)` walks every scheduled broadcast's plays
between two moments, on the station of each zone and every commune station under a district, and
logs each through `broadcasts.record_logs` exactly as the system's API push would (source "api",
an id per station, broadcast and slot, so running it again stores nothing twice). A station
misses a slot now and then (`miss`), as real ones do.

    python manage.py play_loudspeakers [--since 2021-07-30T00:00] [--until now]
"""

import datetime
import random

from django.db.models import Q
from django.utils import timezone

from core.models import OrgUnit

from . import broadcasts
from .models import Broadcast

READING_SPEED = 14.0  # characters a second, when a message has no audio yet (a southern voice)


def _seconds(broadcast: Broadcast) -> int:
    script = broadcasts.audio_of(broadcast)
    if script is not None:
        return max(1, round(script.seconds))
    return max(20, round(len(broadcast.text) / READING_SPEED))


def plays(since: datetime.datetime, until: datetime.datetime, *, miss: float = 0.08, seed: int = 39) -> list[dict]:
    """The log rows of the plays between `since` and `until` (aware), station by station."""
    rng = random.Random(seed)  # noqa: S311 - a simulation, not security
    first, last = timezone.localtime(since).date(), timezone.localtime(until).date()
    until = min(until, timezone.now())
    rows = []
    scheduled = (
        Broadcast.objects.filter(state=Broadcast.State.SCHEDULED, starts_on__lte=last, ends_on__gte=first)
        .select_related("key_message", "script")
        .prefetch_related("zones")
        .order_by("pk")
    )
    for b in scheduled:
        seconds = _seconds(b)
        stations = []
        for zone in b.zones.all():
            stations.append(zone)
            stations += list(OrgUnit.objects.filter(Q(parent=zone), is_active=True, level=OrgUnit.Level.COMMUNE))
        # The slots due since it was scheduled (a station cannot have played it before) and
        # before it was cancelled; a station starts within the minute.
        start = max(since, b.created_at - broadcasts.CLOCK_SLACK)
        end = min(until, b.cancelled_at) if b.cancelled_at else until
        for at in broadcasts.slot_times(b, start, end):
            for station in stations:
                if rng.random() < miss:
                    continue
                rows.append(
                    {
                        "zone": station.code,
                        "played_at": min(at + datetime.timedelta(seconds=rng.randint(0, 50)), until),
                        "seconds": seconds + rng.randint(-3, 3) if seconds > 10 else seconds,
                        "broadcast": b.pk,
                        "id": f"sim-{b.pk}-{station.code}-{at:%Y%m%d%H%M}",
                    }
                )
    return rows


def play(person, since: datetime.datetime, until: datetime.datetime | None = None, **options) -> dict:
    """Log the plays between `since` and `until` (now) as the loudspeaker system would."""
    until = until or timezone.now()
    rows = plays(since, until, **options)
    out = {"stored": 0, "already": 0}
    for start in range(0, len(rows), broadcasts.MAX_ROWS):
        result = broadcasts.record_logs(person, rows[start : start + broadcasts.MAX_ROWS], now=until)
        out = {k: out[k] + result[k] for k in out}
    return out
