"""The day's figures: which districts and indicators, the values already known, and the checks
shared by the entry page, the file import and the API (one `check`, then `actions.save_figures`).

A figure is a whole number. A running total (Indicator.Kind.CUMULATIVE) is compared with the last
value given before the day: it may not go down unless the row says why. Once the health data
officer has confirmed a day, every change of its values is a correction and needs a reason.
Problems name the district and the indicator, in the request's language.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import OrgUnit
from core.validation import check_text
from vntext import fold

from .models import MAX_VALUE, Figure, Indicator, SituationDay

NOTE_MAX = 500
LOOKBACK_DAYS = 120  # how far back a running total's last value is looked for
EARLIEST = datetime.date(2000, 1, 1)  # before it, a date is a typing error ("05/08/0021")
# "1234", "1.234", "1 234", "1,234": Vietnamese groups thousands with dots; a spreadsheet may
# write commas or spaces. A decimal part is not a count.
NUMBER_RE = re.compile(r"^\d{1,3}([.,\s\u00a0]\d{3})+$|^\d+$")


@dataclass
class Entry:
    """One district's row: values by indicator code (None: not given), a note or reason."""

    unit: OrgUnit
    values: dict[str, int | None]
    note: str = ""
    line: int | None = None  # the file's line, for the import's messages


@dataclass
class Problem:
    unit: str  # the district's name, or "" for the whole request
    field: str  # an indicator's short name, "note", or ""
    message: str
    line: int | None = None

    def __str__(self):
        where = []
        if self.line is not None:
            where.append(_("Line %(line)d") % {"line": self.line})
        if self.unit:
            where.append(self.unit)
        if self.field:
            where.append(self.field)
        return f"{', '.join(where)}: {self.message}" if where else self.message


@dataclass
class Change:
    unit: OrgUnit
    indicator: Indicator
    old: int | None  # None: a new figure
    new: int
    note: str


@dataclass
class Plan:
    date: datetime.date
    day: SituationDay | None
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def corrections(self) -> list[Change]:
        return [c for c in self.changes if c.old is not None]


def root_unit() -> OrgUnit | None:
    """The province: the top of the org-unit tree."""
    return OrgUnit.objects.filter(parent__isnull=True, is_active=True).order_by("path").first()


def districts(root: OrgUnit) -> list[OrgUnit]:
    """The units that report figures: the active units right under the province (districts, or
    communes in a two-level tree)."""
    return list(OrgUnit.objects.filter(parent=root, is_active=True).order_by("path"))


def indicators() -> list[Indicator]:
    return list(Indicator.objects.filter(is_active=True))


def unit_lookup(units: list[OrgUnit]) -> dict[str, OrgUnit]:
    """A district by its code, its name or its name without accents and type ("rach gia")."""
    from core.letterhead import bare_name

    out = {}
    for unit in units:
        for key in (unit.code, unit.name, bare_name(unit.name)):
            out[fold(key).strip()] = unit
    return out


def values_on(root: OrgUnit, date: datetime.date) -> dict[tuple[int, int], Figure]:
    """The day's figures by (unit id, indicator id)."""
    rows = Figure.objects.filter(date=date, org_unit__parent=root).select_related("indicator")
    return {(f.org_unit_id, f.indicator_id): f for f in rows}


def last_before(root: OrgUnit, date: datetime.date, kinds=(Indicator.Kind.CUMULATIVE, Indicator.Kind.LEVEL)) -> dict:
    """(unit id, indicator id) -> (date, value): the last value given before `date`, for running
    totals and levels (a district that did not report yesterday is compared with its last day)."""
    rows = (
        Figure.objects.filter(
            org_unit__parent=root,
            indicator__kind__in=kinds,
            date__lt=date,
            date__gte=date - datetime.timedelta(days=LOOKBACK_DAYS),
        )
        .order_by("date")
        .values_list("org_unit_id", "indicator_id", "date", "value")
    )
    return {(u, i): (d, v) for u, i, d, v in rows}


def parse_value(raw) -> tuple[int | None, str | None]:
    """(value, None), (None, None) for an empty cell, or (None, message)."""
    if raw is None:
        return None, None
    if isinstance(raw, bool):
        return None, _("enter a whole number.")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        if not raw.is_integer():
            return None, _("enter a whole number, without decimals.")
        value = int(raw)
    elif isinstance(raw, str):
        text = raw.strip()
        if not text:
            return None, None
        if len(text) > 20:  # longer than any count (int() of 4,300 digits and more raises)
            if re.fullmatch(r"[\d.,\s\u00a0]+", text):
                return None, _("at most %(max)s.") % {"max": f"{MAX_VALUE:,}".replace(",", ".")}
            return None, _("“%(text)s” is not a whole number.") % {"text": text[:20] + "…"}
        if text.startswith("-") and NUMBER_RE.match(text[1:].strip()):
            return None, _("a count cannot be negative.")
        if not NUMBER_RE.match(text):
            return None, _("“%(text)s” is not a whole number.") % {"text": text}
        value = int(re.sub(r"\D", "", text))
    else:
        return None, _("enter a whole number.")
    if value < 0:
        return None, _("a count cannot be negative.")
    if value > MAX_VALUE:
        return None, _("at most %(max)s.") % {"max": f"{MAX_VALUE:,}".replace(",", ".")}
    return value, None


def check(root: OrgUnit, date: datetime.date, entries: list[Entry], *, today=None) -> Plan:
    """What saving these rows would change, and every problem, without writing anything."""
    today = today or timezone.localdate()
    day = SituationDay.objects.filter(org_unit=root, date=date).first()
    plan = Plan(date=date, day=day)
    if date > today:
        plan.problems.append(Problem("", "", _("The date %(date)s is in the future.") % {"date": f"{date:%d/%m/%Y}"}))
        return plan
    if date < EARLIEST:
        plan.problems.append(
            Problem("", "", _("%(date)s is too long ago for daily figures.") % {"date": f"{date:%d/%m/%Y}"})
        )
        return plan
    inds = {i.code: i for i in indicators()}
    allowed = {u.pk for u in districts(root)}
    current = values_on(root, date)
    before = last_before(root, date)
    confirmed = day is not None and day.is_confirmed
    seen_units = set()
    for entry in entries:
        name = entry.unit.name
        if entry.unit.pk not in allowed:
            plan.problems.append(
                Problem(name, "", _("is not a district of %(root)s.") % {"root": root.name}, entry.line)
            )
            continue
        if entry.unit.pk in seen_units:
            plan.problems.append(Problem(name, "", _("appears twice."), entry.line))
            continue
        seen_units.add(entry.unit.pk)
        note, error = check_text(entry.note, _("Note"))
        if error is None and len(note) > NOTE_MAX:
            error = _("at most %(limit)d characters.") % {"limit": NOTE_MAX}
        if error:
            plan.problems.append(Problem(name, _("Note"), error, entry.line))
            continue
        row_changes = []
        for code, raw in entry.values.items():
            indicator = inds.get(code)
            if indicator is None:
                plan.problems.append(Problem(name, code, _("no active indicator has this code."), entry.line))
                continue
            value, error = parse_value(raw)
            if error:
                plan.problems.append(Problem(name, indicator.short_name, error, entry.line))
                continue
            old = current.get((entry.unit.pk, indicator.pk))
            if value is None:
                if old is not None:
                    plan.problems.append(
                        Problem(
                            name,
                            indicator.short_name,
                            _("a value given before cannot be emptied; enter the right number (0 if none)."),
                            entry.line,
                        )
                    )
                continue
            if old is not None and old.value == value:
                plan.unchanged += 1
                continue
            if indicator.kind == Indicator.Kind.CUMULATIVE:
                last = before.get((entry.unit.pk, indicator.pk))
                if last is not None and value < last[1] and not note:
                    plan.problems.append(
                        Problem(
                            name,
                            indicator.short_name,
                            _(
                                "a running total cannot go down (%(old)s on %(date)s, now %(new)s) "
                                "unless the note says why."
                            )
                            % {"old": last[1], "date": f"{last[0]:%d/%m/%Y}", "new": value},
                            entry.line,
                        )
                    )
                    continue
            row_changes.append(Change(entry.unit, indicator, old.value if old is not None else None, value, note))
        if confirmed and any(c.old is not None for c in row_changes) and not note:
            plan.problems.append(
                Problem(
                    name,
                    _("Note"),
                    _("the figures of %(date)s are confirmed: give the reason for the correction.")
                    % {"date": f"{date:%d/%m/%Y}"},
                    entry.line,
                )
            )
            continue
        plan.changes.extend(row_changes)
    return plan


def missing(root: OrgUnit, date: datetime.date) -> list[OrgUnit]:
    """Districts without a single figure for the day."""
    reported = set(Figure.objects.filter(date=date, org_unit__parent=root).values_list("org_unit_id", flat=True))
    return [u for u in districts(root) if u.pk not in reported]


def incomplete(root: OrgUnit, date: datetime.date) -> list[tuple[OrgUnit, list[Indicator]]]:
    """Districts that gave some figures but not all active indicators, with the ones missing."""
    inds = indicators()
    given: dict[int, set[int]] = {}
    for unit_id, ind_id in Figure.objects.filter(date=date, org_unit__parent=root).values_list(
        "org_unit_id", "indicator_id"
    ):
        given.setdefault(unit_id, set()).add(ind_id)
    out = []
    for unit in districts(root):
        have = given.get(unit.pk)
        if have:
            lacking = [i for i in inds if i.pk not in have]
            if lacking:
                out.append((unit, lacking))
    return out


def day_table(root: OrgUnit, date: datetime.date) -> dict:
    """The day's figures as the provincial reporting system takes them (the API and the staff
    export): indicators, one row per district (None where not given), province totals, missing."""
    inds = indicators()
    current = values_on(root, date)
    day = SituationDay.objects.filter(org_unit=root, date=date).first()
    rows = []
    totals = dict.fromkeys((i.code for i in inds), 0)
    for unit in districts(root):
        values = {}
        for i in inds:
            figure = current.get((unit.pk, i.pk))
            values[i.code] = figure.value if figure is not None else None
            totals[i.code] += figure.value if figure is not None else 0
        rows.append({"district_code": unit.code, "district": unit.name, "values": values})
    return {
        "date": date.isoformat(),
        "province": root.name,
        "confirmed": bool(day and day.is_confirmed),
        "indicators": [{"code": i.code, "name": i.name, "kind": i.kind, "unit": i.unit} for i in inds],
        "rows": rows,
        "totals": totals,
        "missing": [r["district"] for r in rows if all(v is None for v in r["values"].values())],
    }


def day_csv(table: dict) -> bytes:
    """`day_table` as CSV (UTF-8 with a BOM, so Excel shows the diacritics)."""
    import csv
    import io

    codes = [i["code"] for i in table["indicators"]]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "district_code", "district", *codes])
    for row in table["rows"]:
        writer.writerow([table["date"], row["district_code"], row["district"], *(row["values"][c] for c in codes)])
    writer.writerow([table["date"], "", "Tổng cộng", *(table["totals"][c] for c in codes)])
    return ("\ufeff" + out.getvalue()).encode()
