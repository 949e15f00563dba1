"""Placing posts in the org-unit tree by the place names in their text (vntext.places on the
active units of `core.models.OrgUnit`).

Aliases live in core/data/place_aliases_kien_giang.csv, columns `code,alias`: other names of a
unit (ports, islands, landmarks, old or short names) that posts use, e.g. `30898,Tắc Cậu` (the
port is in Xã Bình An, Huyện Châu Thành). A bare alias counts alone, so it must be a name no
ordinary sentence has ("Thứ Ba" is also Tuesday: it is not one); an alias written with its
level word (`31018,Thị trấn Thứ 11`) is one more name of the unit and counts after its level
word. Rows whose code is not an active unit are skipped, so the file can list more than a
deployment has. The file is read when the gazetteer is built (a change needs a restart).

The gazetteer is built once per process and rebuilt when the active units change, as seen by
their count and highest id: adding, deleting, deactivating a unit rebuilds it; renaming or
moving one does not (until the next restart or the next added unit). That check is one
aggregate query, cheap next to a batch of posts; a batch calls `gazetteer()` once.
"""

import csv
from pathlib import Path

from django.db.models import Count, Max

from core.models import OrgUnit
from core.rebuilt import Rebuilt
from vntext.places import Gazetteer

ALIASES_CSV = Path(__file__).resolve().parent.parent / "core" / "data" / "place_aliases_kien_giang.csv"


def _aliases(codes: dict) -> list[tuple[int, str]]:
    with ALIASES_CSV.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [(codes[row["code"].strip()], row["alias"]) for row in rows if row["code"].strip() in codes]


def _build() -> Gazetteer:
    rows = list(OrgUnit.objects.filter(is_active=True).values_list("pk", "code", "name", "level", "parent_id"))
    codes = {code: pk for pk, code, _name, _level, _parent in rows}
    units = [(pk, name, level, parent) for pk, _code, name, level, parent in rows]
    return Gazetteer(units, _aliases(codes))


_gazetteer = Rebuilt(
    version=lambda: tuple(OrgUnit.objects.filter(is_active=True).aggregate(n=Count("pk"), last=Max("pk")).values()),
    build=_build,
)


def gazetteer() -> Gazetteer:
    """The place names of the active org units (keys are OrgUnit ids)."""
    return _gazetteer.get()
